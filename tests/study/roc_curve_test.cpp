#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "edx/study/roc_curve.hpp"
#include "study/study_reference.hpp"

using namespace edx::study;
using edx::study::test::close;
using edx::study::test::doubles;
using edx::study::test::reference;

TEST_CASE("ROC points, AUC (scipy Mann-Whitney U) and the DeLong variance (Sun & Xu in numpy) equal the reference",
          "[study][roc]") {
    const auto& cases = reference().at("roc");
    REQUIRE(cases.size() >= 4);
    for (const auto& c : cases) {
        INFO(c.at("name").get<std::string>());
        const RocCurve r = roc_curve(doubles(c.at("positives")), doubles(c.at("negatives")));
        const auto& ref_points = c.at("roc");
        REQUIRE(r.points.size() == ref_points.size());
        for (std::size_t i = 0; i < r.points.size(); ++i) {
            const auto& p = ref_points[i];
            if (p.at("threshold").is_null()) {
                REQUIRE(!r.points[i].threshold);
            } else {
                REQUIRE(*r.points[i].threshold == p.at("threshold").get<double>());
            }
            REQUIRE(std::abs(r.points[i].sensitivity - p.at("tpr").get<double>()) <= 1e-15);
            REQUIRE(std::abs(r.points[i].false_positive_rate - p.at("fpr").get<double>()) <= 1e-15);
        }
        REQUIRE(r.points.back().sensitivity == 1.0);
        REQUIRE(r.points.back().false_positive_rate == 1.0);
        REQUIRE(std::abs(r.auc - c.at("auc").get<double>()) <= 1e-12);
        REQUIRE(close(r.auc_variance, c.at("auc_variance_delong").get<double>(), 1e-12));
        REQUIRE(std::abs(r.auc_ci_lo - c.at("auc_ci95")[0].get<double>()) <= 1e-12);
        REQUIRE(std::abs(r.auc_ci_hi - c.at("auc_ci95")[1].get<double>()) <= 1e-12);
    }
}

TEST_CASE("the ROC curve does not depend on the order of the subjects", "[study][roc]") {
    const auto& c = reference().at("roc")[0];
    auto pos = doubles(c.at("positives"));
    auto neg = doubles(c.at("negatives"));
    const RocCurve a = roc_curve(pos, neg);
    std::reverse(pos.begin(), pos.end());
    std::rotate(neg.begin(), neg.begin() + 7, neg.end());
    const RocCurve b = roc_curve(pos, neg);
    REQUIRE(a.auc == b.auc);
    REQUIRE(a.auc_variance == b.auc_variance);
    REQUIRE(a.points.size() == b.points.size());
}

TEST_CASE("the AUC of the reverse comparison is one minus the AUC, with the same variance", "[study][roc]") {
    const auto& c = reference().at("roc")[1];  // heavy ties
    const RocCurve a = roc_curve(doubles(c.at("positives")), doubles(c.at("negatives")));
    const RocCurve b = roc_curve(doubles(c.at("negatives")), doubles(c.at("positives")));
    REQUIRE(a.auc + b.auc == Approx(1.0).margin(1e-14));
    REQUIRE(a.auc_variance == Approx(b.auc_variance).epsilon(1e-12));
}

TEST_CASE("roc_curve refuses groups too small for the DeLong variance", "[study][roc]") {
    const std::vector<double> one = {1.0};
    const std::vector<double> two = {1.0, 2.0};
    REQUIRE_THROWS_AS(roc_curve(one, two), std::invalid_argument);
    REQUIRE_THROWS_AS(roc_curve(two, one), std::invalid_argument);
    const auto j = to_json(roc_curve(two, std::vector<double>{0.5, 1.5}));
    REQUIRE(j.at("points")[0].at("threshold").is_null());
    REQUIRE(j.at("auc_ci").size() == 2);
}
