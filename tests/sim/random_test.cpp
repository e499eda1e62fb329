#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "edx/sim/random.hpp"

using edx::sim::Random;

TEST_CASE("a seed gives the same sequence, another seed another", "[random]") {
    Random a(42), b(42), c(43);
    for (int i = 0; i < 100; ++i) {
        const auto x = a.next_u64();
        REQUIRE(x == b.next_u64());
        if (i == 0) REQUIRE(x != c.next_u64());
    }
}

TEST_CASE("named streams depend only on seed and name", "[random]") {
    auto s1 = Random::stream(7, "soleus_h_left");
    auto s2 = Random::stream(7, "soleus_h_left");
    auto s3 = Random::stream(7, "soleus_h_right");
    REQUIRE(s1.next_u64() == s2.next_u64());
    REQUIRE(s1.next_u64() != s3.next_u64());
}

TEST_CASE("normal draws have unit variance and zero mean", "[random]") {
    Random r(1);
    const int n = 200000;
    double sum = 0, sum2 = 0, sum4 = 0;
    for (int i = 0; i < n; ++i) {
        const double x = r.normal();
        sum += x;
        sum2 += x * x;
        sum4 += x * x * x * x;
    }
    const double mean = sum / n, var = sum2 / n - mean * mean;
    // Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032.
    REQUIRE(std::abs(mean) < 0.01);
    REQUIRE(std::abs(var - 1.0) < 0.015);
    REQUIRE(sum4 / n == Approx(3.0).margin(0.06));  // Gaussian kurtosis
}

TEST_CASE("uniform draws stay within the unit interval and fill it evenly", "[random]") {
    Random r(3);
    std::vector<int> bins(10, 0);
    for (int i = 0; i < 100000; ++i) {
        const double u = r.uniform();
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
        ++bins[static_cast<std::size_t>(u * 10)];
    }
    for (int count : bins) REQUIRE(std::abs(count - 10000) < 500);  // 5 sigma
}
