/* The preprocessing pageprep does, written with Leptonica, files to files:
 * the peer of bench/compare_tools.sh part (a) (docs/PERFORMANCE.md).
 *
 *   leptonica_composite OUTDIR PAGE.png...
 *
 * For each page: read the PNG (pixRead), flatten the background
 * (pixBackgroundNormSimple), find the skew on a binarized copy
 * (pixConvertTo1 at 130, then pixFindSkewSweepAndSearch: Leptonica's default
 * reductions and steps, over +-15 degrees like pageprep's default range),
 * rotate the normalized page by minus the skew when the confidence allows
 * (pixRotate, area map, white brought in), binarize (pixOtsuAdaptiveThreshold,
 * 300 x 300 tiles, score fraction 0.1), remove specks (pixSelectBySize: keep
 * the 8-connected components wider or taller than 2 px, i.e. drop those that
 * fit in 2 x 2 like pageprep's 4-pixel limit at 300 dpi) and write the 1-bit
 * page as PNG (pixWrite). One thread, one page at a time. Prints the angle
 * and confidence of each page; exit 1 if a page fails.
 */
#include <leptonica/allheaders.h>
#include <stdio.h>
#include <string.h>

static int process(const char* in, const char* outdir) {
  PIX* pix = pixRead(in);
  if (!pix) return 1;
  PIX* gray = pixGetDepth(pix) == 8 ? pixClone(pix) : pixConvertTo8(pix, 0);
  PIX* norm = pixBackgroundNormSimple(gray, NULL, NULL);
  PIX* bin1 = norm ? pixConvertTo1(norm, 130) : NULL;
  l_float32 angle = 0, conf = 0;
  if (!bin1 || pixFindSkewSweepAndSearch(bin1, &angle, &conf, 4, 2, 15.0f, 1.0f, 0.01f) != 0) {
    angle = 0;
    conf = 0;
  }
  /* Leptonica's own rule (pixDeskew): rotate when confident and not tiny. */
  PIX* straight = (conf >= 3.0f && angle * angle >= 0.01f)
                      ? pixRotate(norm, -angle * 3.14159265f / 180.0f, L_ROTATE_AREA_MAP,
                                  L_BRING_IN_WHITE, 0, 0)
                      : pixClone(norm);
  PIX* binary = NULL;
  int rc = 1;
  if (straight && pixOtsuAdaptiveThreshold(straight, 300, 300, 0, 0, 0.1f, NULL, &binary) == 0) {
    PIX* clean = pixSelectBySize(binary, 2, 2, 8, L_SELECT_IF_EITHER, L_SELECT_IF_GT, NULL);
    if (clean) {
      const char* base = strrchr(in, '/');
      base = base ? base + 1 : in;
      char out[4096];
      snprintf(out, sizeof out, "%s/%s", outdir, base);
      rc = pixWrite(out, clean, IFF_PNG) == 0 ? 0 : 1;
      pixDestroy(&clean);
    }
  }
  printf("%s angle %.3f conf %.2f\n", in, angle, conf);
  pixDestroy(&binary);
  pixDestroy(&straight);
  pixDestroy(&bin1);
  pixDestroy(&norm);
  pixDestroy(&gray);
  pixDestroy(&pix);
  return rc;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s OUTDIR PAGE.png...\n", argv[0]);
    return 2;
  }
  setMsgSeverity(L_SEVERITY_ERROR);
  int failed = 0;
  for (int i = 2; i < argc; ++i) failed |= process(argv[i], argv[1]);
  return failed;
}
