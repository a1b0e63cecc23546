#include "analysis/figures.h"

namespace attnscope::analysis {

std::string_view figure_name(Figure figure) {
  switch (figure) {
    case Figure::kEntropy:
      return "entropy";
    case Figure::kNormalizedEntropy:
      return "normalized_entropy";
    case Figure::kConfidence:
      return "confidence";
    case Figure::kMax:
      return "max";
    case Figure::kMin:
      return "min";
    case Figure::kMean:
      return "mean";
    case Figure::kSelf:
      return "self";
    case Figure::kPrevious:
      return "previous";
    case Figure::kNext:
      return "next";
    case Figure::kFirst:
      return "first";
    case Figure::kSpecial:
      return "special";
    case Figure::kDistance:
      return "distance";
    case Figure::kDistanceNormalized:
      return "distance_normalized";
    case Figure::kSpecialNotFirst:
      return "special_not_first";
  }
  return "unknown";
}

}  // namespace attnscope::analysis
