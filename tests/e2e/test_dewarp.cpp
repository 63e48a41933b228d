// `pageprep run --dewarp auto` end to end: curled pages (pageprep-synth --curl)
// are dewarped with dewarp_confidence and dewarp_max_px in pages.jsonl; their
// flat twins (--flat-out) are not resampled and carry a "flat page" note; the
// default (off) writes none of the dewarp fields.
#include <gtest/gtest.h>

#include <string>

#include "e2e/cli_harness.hpp"

namespace pageprep::e2e {
namespace {

TEST(Dewarp, CurledPagesAreFlattenedAndFlatPagesLeftAlone) {
  const fs::path dir = fresh_dir("dewarp");
  auto r = run(synth() + " --out " + q(dir / "curled") + " --flat-out " + q(dir / "flat") +
               " --count 2 --seed 7 --dpi 150 --curl 25 --curl-shadow 0.3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(cli() + " run " + q(dir / "curled") + " " + q(dir / "flat") + " -o " + q(dir / "out") +
          " --ocr none --dewarp auto");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto pages = read_pages(dir / "out");
  ASSERT_EQ(pages.size(), 4u);
  int dewarped = 0, flat = 0;
  for (const auto& p : pages) {
    ASSERT_EQ(p.str.at("status"), "ok") << p.raw;
    ASSERT_NE(p.raw.find("\"dewarp_confidence\":"), std::string::npos) << p.raw;
    EXPECT_NE(p.raw.find("\"dewarp\":"), std::string::npos) << p.raw;  // its time in timings_ms
    if (p.str.at("input").find("curled") != std::string::npos) {
      EXPECT_NE(p.raw.find("\"dewarp_max_px\":"), std::string::npos) << p.raw;
      EXPECT_EQ(p.str.count("dewarp_note"), 0u) << p.raw;
      ++dewarped;
    } else {
      EXPECT_EQ(p.raw.find("\"dewarp_max_px\":"), std::string::npos) << p.raw;
      ASSERT_TRUE(p.str.count("dewarp_note")) << p.raw;
      EXPECT_EQ(p.str.at("dewarp_note").rfind("flat page", 0), 0u) << p.raw;
      ++flat;
    }
  }
  EXPECT_EQ(dewarped, 2);
  EXPECT_EQ(flat, 2);

  r = run(cli() + " run " + q(dir / "curled") + " -o " + q(dir / "off") + " --ocr none");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& p : read_pages(dir / "off"))
    EXPECT_EQ(p.raw.find("\"dewarp_"), std::string::npos) << p.raw;
}

}  // namespace
}  // namespace pageprep::e2e
