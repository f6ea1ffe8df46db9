// Parsing of --speculative, the defaults, the MTP module and the draft checks.

#include <gtest/gtest.h>

#include "sim/core/error.h"
#include "sim/workload/speculative_spec.h"

namespace wafersim {
namespace {

TEST(SpeculativeSpec, ParsesDraftAndMtp) {
  const SpeculativeSpec d = SpeculativeSpec::parse(" draft:llama-3.2-1b ");
  EXPECT_EQ(d.method, SpeculativeMethod::Draft);
  EXPECT_EQ(d.draft_model, "llama-3.2-1b");
  EXPECT_EQ(d.draft_tokens(), SpeculativeSpec::kDefaultDraftTokens);
  EXPECT_DOUBLE_EQ(d.acceptance_model().acceptance(), SpeculativeSpec::kDefaultDraftAcceptance);
  const SpeculativeSpec m = SpeculativeSpec::parse("mtp:2");
  EXPECT_EQ(m.method, SpeculativeMethod::Mtp);
  EXPECT_EQ(m.draft_tokens(), 2);
  EXPECT_DOUBLE_EQ(m.acceptance_model().acceptance(), SpeculativeSpec::kDefaultMtpAcceptance);
  EXPECT_EQ(m.text(), "mtp:2");
}

TEST(SpeculativeSpec, TheMeanWinsOverTheAcceptance) {
  SpeculativeSpec s = SpeculativeSpec::parse("draft:x");
  s.acceptance = 0.1;
  s.accepted_per_step = 3.0;
  EXPECT_NEAR(s.acceptance_model().tokens_per_step(), 3.0, 1e-9);
}

TEST(SpeculativeSpec, BadTextIsAnInputErrorNamingTheOption) {
  for (const char* bad : {"", "draft:", "mtp:", "mtp:0", "mtp:-1", "mtp:x", "eagle:3", "draft"}) {
    try {
      (void)SpeculativeSpec::parse(bad);
      FAIL() << bad;
    } catch (const InputError& e) {
      EXPECT_EQ(e.diagnostics().front().path, "--speculative") << bad;
    }
  }
}

ModelSpec decoder(std::int64_t vocab) {
  ModelSpec m;
  m.name = std::string(1, 'm');
  m.layers = 4;
  m.hidden = 256;
  m.heads = 4;
  m.kv_heads = 4;
  m.head_dim = 64;
  m.ffn = 512;
  m.vocab = vocab;
  return m;
}

TEST(SpeculativeSpec, TheDraftMustShareTheVocabulary) {
  EXPECT_NO_THROW(check_draft_model(decoder(1000), decoder(1000)));
  EXPECT_THROW(check_draft_model(decoder(1000), decoder(1001)), InputError);
  ModelSpec encoder = decoder(1000);
  encoder.architecture = Architecture::Encoder;
  EXPECT_THROW(check_draft_model(decoder(1000), encoder), InputError);
}

TEST(SpeculativeSpec, TheMtpModuleIsOneLayerOfTheTarget) {
  ModelSpec target = decoder(1000);
  target.moe.experts = 8;
  target.moe.experts_per_token = 2;
  target.moe.dense_layers = 3;
  const ModelSpec module = mtp_module_spec(target);
  EXPECT_EQ(module.layers, 1);
  EXPECT_EQ(module.hidden, target.hidden);
  EXPECT_EQ(module.vocab, target.vocab);
  EXPECT_TRUE(module.layer_is_moe(0));  // like the target's deep layers
}

}  // namespace
}  // namespace wafersim
