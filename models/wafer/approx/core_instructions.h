#pragma once
// Instruction counts of the non-matrix work a wafer core does, per element, on
// its SIMD datapath. A core issues one vector instruction per cycle
// that works on `lanes` elements (the FMAC width: half the FLOP/cycle of the
// format, since an FMAC counts 2 FLOP; WSE-2 4 fp16 lanes, WSE-3 8, hardware.md
// §1.1). The core has no exp, divide or square-root unit in its published
// datapath, so those are sequences of multiply-adds: the counts below are the
// usual range-reduction + polynomial and Newton-Raphson sequences, written out.
// Leaves out: instruction issue overhead beyond one instruction per cycle and
// loop control (the DSD engine runs vectors without per-element branches).
// Units: instructions per element (or per scalar for rsqrt/reciprocal).

namespace wafersim::wafer::instructions {

/// exp(x): multiply by log2(e), split integer and fraction (2), a degree-5
/// polynomial in Horner form (5 FMAC), scale by 2^integer (1), clamp (1).
inline constexpr double kExp = 10;
/// 1/x: an initial estimate from the exponent bits (1), three Newton steps of
/// 2 FMAC each (fp16 to full precision from a 1-bit estimate).
inline constexpr double kReciprocal = 7;
/// 1/sqrt(x): an initial estimate (1), three Newton steps of 3 operations.
inline constexpr double kRsqrt = 10;
/// SiLU(gate) · up: exp(−gate), + 1, reciprocal, · gate, · up.
inline constexpr double kSiluMul = kExp + 1 + kReciprocal + 2;
/// One softmax score: compare into the running max (1), subtract the max (1),
/// exp, add into the running sum (1), and scale by 1/sum at the end (1).
inline constexpr double kSoftmaxScore = 4 + kExp;
/// RMSNorm's scale of one element: x · (1/rms) · gamma (2 multiplies; gamma read
/// from SRAM). The sum of squares is one FMAC per element.
inline constexpr double kNormScale = 2;
/// Rotary position embedding of one query or key element: x·cos + rotate(x)·sin
/// (a multiply and an FMAC), plus its half of the pair's cos/sin update from the
/// previous position by the angle-addition formulas (6 operations per pair).
inline constexpr double kRotary = 2 + 3;

}  // namespace wafersim::wafer::instructions
