// A small evidence model written in the test, so the arithmetic of the
// diagnosis can be checked by hand independently of the bundled model's numbers.
//   hypotheses: a (leaves a1, a2; subtype priors 0.25 / 0.75) and b (leaf b)
//   prior "ctx": a 0.4, b 0.6  ->  leaf priors a1 0.1, a2 0.3, b 0.6
//   t1 (group g1): P(+|a1) = 0.5, P(+|a2) = 0.8, P(+|b) = 1 - 0.9 = 0.1
//   t2 (group g2): P(+|a1) = P(+|a2) = 0.3, P(+|b) = 0.6
//   t3 (group g1): P(+|a*) = 0.8, P(+|b) = 0.5
#pragma once

#include <nlohmann/json.hpp>

namespace edx::diagnosis::test {

inline nlohmann::json synthetic_model_json() {
    return nlohmann::json::parse(R"({
      "title": "synthetic",
      "sources": {"S": "A synthetic source for the tests, not a publication"},
      "hypotheses": {
        "top": [{"id": "a", "label": "hypothesis a"}, {"id": "b", "label": "hypothesis b"}],
        "leaves": [{"id": "a1", "parent": "a", "label": "a, kind 1"}, {"id": "a2", "parent": "a", "label": "a, kind 2"},
                   {"id": "b", "parent": "b", "label": "b"}]
      },
      "classes": {"aa": ["a1", "a2"]},
      "subtype_priors": {
        "a1": {"value": 0.25, "unit": "1", "source": "S", "status": "assumption"},
        "a2": {"value": 0.75, "unit": "1", "source": "S", "status": "assumption"}
      },
      "priors": {
        "ctx": {"label": "context", "a": {"value": 0.4, "unit": "1", "source": "S", "status": "assumption"},
                "b": {"value": 0.6, "unit": "1", "source": "S", "status": "assumption"}},
        "ctx2": {"label": "context 2", "a": {"value": 0.1, "unit": "1", "source": "S", "status": "assumption"},
                 "b": {"value": 0.9, "unit": "1", "source": "S", "status": "assumption"}}
      },
      "parameters": {
        "p_sens": {"value": 0.8, "ci95": [0.6, 0.92], "unit": "1", "source": "S", "status": "verified"},
        "p_spec": {"value": 0.9, "ci95": [0.75, 0.97], "unit": "1", "source": "S", "status": "verified"},
        "p_mid": {"value": 0.5, "ci95": [0.3, 0.7], "unit": "1", "source": "S", "status": "assumption"},
        "p_low": {"value": 0.3, "ci95": [0.15, 0.5], "unit": "1", "source": "S", "status": "verified"},
        "p_high": {"value": 0.6, "ci95": [0.4, 0.78], "unit": "1", "source": "S", "status": "verified"}
      },
      "timing": {},
      "findings": {
        "t1": {"label": "test 1", "category": "examination", "group": "g1",
               "positive_given": {"a1": "p_mid", "aa": "p_sens",
                                  "otherwise": {"parameter": "p_spec", "complement": true, "source": "S", "status": "assumption"}}},
        "t2": {"label": "test 2", "category": "history", "group": "g2",
               "positive_given": {"aa": "p_low", "b": "p_high"}},
        "t3": {"label": "test 3", "category": "examination", "group": "g1",
               "positive_given": {"aa": "p_sens", "otherwise": "p_mid"}}
      },
      "groups": {
        "g1": {"label": "group 1", "rule": "most_informative"},
        "g2": {"label": "group 2", "rule": "most_informative"}
      },
      "red_flags": {},
      "next_steps": {}
    })");
}

}  // namespace edx::diagnosis::test
