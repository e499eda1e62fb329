#include <catch2/catch.hpp>

#include <hdf5.h>

#include <cmath>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "edx/io/input_error.hpp"
#include "edx/io/layout_reader.hpp"
#include "edx/io/layout_writer.hpp"
#include "io/hdf5_test_file.hpp"

using namespace edx;
using namespace edx::test;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

float wave(std::size_t i, double amplitude) {
    const double t = static_cast<double>(i);
    return static_cast<float>(amplitude * (std::sin(0.021 * t) + 0.3 * std::sin(0.37 * t + 1.0)));
}

Recording emg_continuous() {
    Recording r;
    r.info.name = "ta_needle_left";
    r.info.kind = RecordingKind::needle_emg;
    r.info.sample_rate_hz = 20000.0;
    r.info.units = Units::uV;
    r.info.muscle = "tibialis_anterior";
    r.info.nerve = "peroneal";
    r.info.side = "left";
    r.info.subject.age_years = 52.0;
    r.form = SampleForm::continuous;
    r.channels = 3;
    r.frames = 20000;
    r.samples.resize(r.frames * r.channels);
    for (std::size_t i = 0; i < r.samples.size(); ++i) r.samples[i] = wave(i, 400.0);
    r.markers = {{0.0, "contraction=rest"}, {0.4, "contraction=minimal"}, {0.9, "Patient h\xC3\xA4lt den Fu\xC3\x9F still"}};
    return r;
}

Recording stimulated_continuous() {
    Recording r;
    r.info.name = "peroneal_motor";
    r.info.kind = RecordingKind::motor_ncs;
    r.info.sample_rate_hz = 10000.0;
    r.info.units = Units::mV;
    r.info.muscle = "extensor_digitorum_brevis";
    r.info.stim_site = "fibular_head";
    r.info.distance_mm = 310.0;
    r.form = SampleForm::continuous;
    r.channels = 1;
    r.frames = 7001;
    r.samples.resize(r.frames);
    for (std::size_t i = 0; i < r.samples.size(); ++i) r.samples[i] = wave(i, 6.0);
    r.stimuli = {{0.1, 20.0}, {0.3, kNaN}, {0.5, 35.5}};  // one intensity not recorded
    return r;
}

Recording h_sweeps() {
    Recording r;
    r.info.name = "soleus_h_right_fair";
    r.info.kind = RecordingKind::h_reflex;
    r.info.sample_rate_hz = 5000.0;
    r.info.units = Units::mV;
    r.info.muscle = "soleus";
    r.info.nerve = "tibial";
    r.info.side = "right";
    r.info.stim_site = "popliteal_fossa";
    r.info.subject.height_cm = 181.0;
    r.info.subject.leg_length_cm = 95.5;
    r.form = SampleForm::sweeps;
    r.sweep_count = 30;
    r.frames = 500;
    r.pre_trigger_s = 0.01;
    r.samples.resize(r.sweep_count * r.frames);
    for (std::size_t i = 0; i < r.samples.size(); ++i) r.samples[i] = wave(i, 2.5);
    for (std::size_t s = 0; s < r.sweep_count; ++s) r.stimuli.push_back({2.0 * static_cast<double>(s), 8.0 + 0.5 * static_cast<double>(s)});
    r.markers = {{0.0, "position=anatomic"}, {30.0, "position=fair"}};
    return r;
}

Recording sural_sweeps() {
    Recording r;
    r.info.name = "sural_sensory";
    r.info.kind = RecordingKind::sensory_ncs;
    r.info.sample_rate_hz = 40000.0;
    r.info.units = Units::mV;
    r.form = SampleForm::sweeps;
    r.sweep_count = 8;
    r.frames = 800;
    r.pre_trigger_s = 0.0;
    r.samples.resize(r.sweep_count * r.frames);
    for (std::size_t i = 0; i < r.samples.size(); ++i) r.samples[i] = wave(i, 0.015);
    for (std::size_t s = 0; s < r.sweep_count; ++s) r.stimuli.push_back({0.5 * static_cast<double>(s), kNaN});
    return r;
}

Study full_study() {
    Study study;
    study.subject_id = "DGS-017";
    study.session_start = "2024-11-02T08:15:00Z";
    study.subject.height_cm = 179.0;
    study.subject.age_years = 51.0;
    study.clinical_findings_json = R"({"pain_sitting": true, "slr_deg": 55})";
    study.recordings = {emg_continuous(), stimulated_continuous(), h_sweeps(), sural_sweeps()};
    return study;
}

bool same_or_both_nan(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void require_same_metadata(const Recording& a, const Recording& b) {
    REQUIRE(a.info.name == b.info.name);
    REQUIRE(a.info.kind == b.info.kind);
    REQUIRE(a.info.sample_rate_hz == b.info.sample_rate_hz);
    REQUIRE(a.info.units == b.info.units);
    REQUIRE(a.info.muscle == b.info.muscle);
    REQUIRE(a.info.nerve == b.info.nerve);
    REQUIRE(a.info.side == b.info.side);
    REQUIRE(a.info.stim_site == b.info.stim_site);
    REQUIRE(a.info.distance_mm == b.info.distance_mm);
    REQUIRE(a.info.subject.height_cm == b.info.subject.height_cm);
    REQUIRE(a.info.subject.age_years == b.info.subject.age_years);
    REQUIRE(a.info.subject.leg_length_cm == b.info.subject.leg_length_cm);
    REQUIRE(a.form == b.form);
    REQUIRE(a.channels == b.channels);
    REQUIRE(a.frames == b.frames);
    REQUIRE(a.sweep_count == b.sweep_count);
    REQUIRE(a.pre_trigger_s == b.pre_trigger_s);
    REQUIRE(a.stimuli.size() == b.stimuli.size());
    for (std::size_t i = 0; i < a.stimuli.size(); ++i) {
        REQUIRE(a.stimuli[i].time_s == b.stimuli[i].time_s);
        REQUIRE(same_or_both_nan(a.stimuli[i].intensity_ma, b.stimuli[i].intensity_ma));
    }
    REQUIRE(a.markers.size() == b.markers.size());
    for (std::size_t i = 0; i < a.markers.size(); ++i) {
        REQUIRE(a.markers[i].time_s == b.markers[i].time_s);
        REQUIRE(a.markers[i].label == b.markers[i].label);
    }
}

bool has_attr(hid_t file, const std::string& object, const char* name) {
    return H5Aexists_by_name(file, object.c_str(), name, H5P_DEFAULT) > 0;
}

bool has_link(hid_t file, const std::string& path) { return H5Lexists(file, path.c_str(), H5P_DEFAULT) > 0; }

std::size_t files_in(const std::filesystem::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
    return n;
}

}  // namespace

TEST_CASE("write then read gives back the study, for every storage type and option", "[layout_writer]") {
    struct Variant {
        const char* name;
        WriteOptions options;
    };
    const Variant variants[] = {
        {"float32 default (chunked, shuffle, deflate 4)", {}},
        {"float32 contiguous", {StorageType::float32, 0, true, 0}},
        {"float32 deflate without shuffle, small chunks", {StorageType::float32, 6, false, 100}},
        {"float64", {StorageType::float64, 4, true, 0}},
        {"int16", {StorageType::int16, 4, true, 0}},
        {"int16 contiguous", {StorageType::int16, 0, false, 0}},
        {"int32", {StorageType::int32, 1, true, 0}},
    };
    const Study original = full_study();
    for (const auto& v : variants) {
        DYNAMIC_SECTION(v.name) {
            TempDir dir;
            const auto file = dir / "study.h5";
            write_study(original, file, v.options);
            REQUIRE(files_in(dir.path()) == 1);  // no temporary left beside it

            const LayoutReader reader(file);
            const Study back = reader.read_study();
            REQUIRE(back.subject_id == original.subject_id);
            REQUIRE(back.session_start == original.session_start);
            REQUIRE(back.subject.height_cm == original.subject.height_cm);
            REQUIRE(back.subject.age_years == original.subject.age_years);
            REQUIRE_FALSE(back.subject.leg_length_cm);
            REQUIRE(back.clinical_findings_json == original.clinical_findings_json);
            REQUIRE(back.recordings.size() == original.recordings.size());

            for (const auto& want : original.recordings) {
                const Recording* got = back.find(want.info.name);
                REQUIRE(got != nullptr);
                require_same_metadata(want, *got);
                REQUIRE(got->samples.size() == want.samples.size());
                const RecordingHeader h = reader.header(want.info.name);
                if (v.options.storage == StorageType::float32 || v.options.storage == StorageType::float64) {
                    // float storage is exact: float -> float32/float64 -> float loses nothing.
                    REQUIRE(got->samples == want.samples);
                    REQUIRE(h.storage.scale == 1.0);
                } else {
                    float peak = 0.0f;
                    for (float x : want.samples) peak = std::max(peak, std::fabs(x));
                    const double limit = v.options.storage == StorageType::int16 ? 32767.0 : 2147483647.0;
                    const double scale = static_cast<double>(peak) / limit;
                    REQUIRE(h.storage.scale == Approx(scale).epsilon(1e-12));
                    REQUIRE(h.storage.offset == 0.0);
                    double worst = 0.0;
                    for (std::size_t i = 0; i < want.samples.size(); ++i) {
                        const double x = want.samples[i];
                        // Quantisation (scale/2) plus the reader's rounding of the result to float.
                        const double allowed = scale / 2.0 + std::fabs(x) * 0x1p-24 + 1e-300;
                        const double error = std::fabs(static_cast<double>(got->samples[i]) - x);
                        worst = std::max(worst, error / allowed);
                        REQUIRE(error <= allowed);
                    }
                    // The bound is tight: quantisation errors close to scale/2 do occur.
                    if (v.options.storage == StorageType::int16) REQUIRE(worst > 0.9);
                }
                const char* type = v.options.storage == StorageType::float32   ? "float32"
                                   : v.options.storage == StorageType::float64 ? "float64"
                                   : v.options.storage == StorageType::int16   ? "int16"
                                                                               : "int32";
                REQUIRE(h.storage.type == type);
                REQUIRE_FALSE(h.storage.big_endian);
                if (v.options.deflate_level == 0) {
                    REQUIRE(h.storage.chunk.empty());
                    REQUIRE(h.storage.filters.empty());
                } else {
                    REQUIRE_FALSE(h.storage.chunk.empty());
                    std::vector<std::string> filters;
                    if (v.options.shuffle) filters.push_back("shuffle");
                    filters.push_back("deflate(" + std::to_string(v.options.deflate_level) + ")");
                    REQUIRE(h.storage.filters == filters);
                }
            }
        }
    }
}

TEST_CASE("chunks are about 256 KiB by default, or as asked", "[layout_writer]") {
    TempDir dir;
    Study study;
    Recording r = emg_continuous();
    r.frames = 100000;
    r.samples.assign(r.frames * r.channels, 1.0f);
    study.recordings = {r};
    write_study(study, dir / "a.h5");
    const RecordingHeader h = LayoutReader(dir / "a.h5").header(r.info.name);
    REQUIRE(h.storage.shape == std::vector<std::uint64_t>{100000, 3});
    REQUIRE(h.storage.chunk.size() == 2);
    REQUIRE(h.storage.chunk[1] == 3);
    REQUIRE(h.storage.chunk[0] * 3 * 4 <= 256 * 1024);
    REQUIRE(h.storage.chunk[0] * 3 * 4 > 255 * 1024);

    WriteOptions o;
    o.chunk_rows = 1234;
    write_study(study, dir / "b.h5", o);
    REQUIRE(LayoutReader(dir / "b.h5").header(r.info.name).storage.chunk == std::vector<std::uint64_t>{1234, 3});
}

TEST_CASE("only the attributes and datasets the model holds are written", "[layout_writer]") {
    TempDir dir;
    const auto file = dir / "minimal.h5";
    Study study;
    Recording sural = sural_sweeps();  // no muscle, nerve, side, site, distance, measures, intensities, markers
    Recording emg = emg_continuous();
    emg.markers.clear();
    study.recordings = {sural, emg};
    write_study(study, file);

    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(f >= 0);
    const std::string s = "/recordings/sural_sensory";
    for (const char* absent : {"muscle", "nerve", "side", "stim_site", "distance_mm", "subject_height_cm",
                               "subject_age_years", "leg_length_cm"}) {
        INFO(absent);
        CHECK_FALSE(has_attr(f, s, absent));
    }
    for (const char* present : {"kind", "sample_rate_hz", "units"}) CHECK(has_attr(f, s, present));
    CHECK(has_link(f, s + "/sweep_times"));
    CHECK_FALSE(has_link(f, s + "/stimulus_intensity_ma"));  // no intensity known
    CHECK_FALSE(has_link(f, s + "/markers"));
    CHECK(has_attr(f, s + "/sweeps", "pre_trigger_s"));
    CHECK_FALSE(has_attr(f, s + "/sweeps", "scale"));
    const std::string e = "/recordings/ta_needle_left";
    CHECK_FALSE(has_link(f, e + "/stimuli"));
    CHECK_FALSE(has_link(f, e + "/stimulus_intensity_ma"));
    CHECK(has_attr(f, e, "subject_age_years"));
    for (const char* absent : {"subject_id", "session_start", "subject_height_cm"}) CHECK_FALSE(has_attr(f, "/", absent));
    CHECK_FALSE(has_link(f, "/clinical"));
    H5Fclose(f);
}

TEST_CASE("markers are a compound with variable-length UTF-8 labels and the root names the format", "[layout_writer]") {
    TempDir dir;
    const auto file = dir / "markers.h5";
    Study study;
    study.recordings = {h_sweeps()};
    write_study(study, file);
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t ds = H5Dopen2(f, "/recordings/soleus_h_right_fair/markers", H5P_DEFAULT);
    REQUIRE(ds >= 0);
    const hid_t type = H5Dget_type(ds);
    REQUIRE(H5Tget_class(type) == H5T_COMPOUND);
    const hid_t label = H5Tget_member_type(type, static_cast<unsigned>(H5Tget_member_index(type, "label")));
    CHECK(H5Tis_variable_str(label) > 0);
    CHECK(H5Tget_cset(label) == H5T_CSET_UTF8);
    const hid_t time = H5Tget_member_type(type, static_cast<unsigned>(H5Tget_member_index(type, "time_s")));
    CHECK(H5Tequal(time, H5T_IEEE_F64LE) > 0);
    const hid_t version = H5Aopen(f, "edx_format_version", H5P_DEFAULT);
    const hid_t version_type = H5Aget_type(version);
    CHECK(H5Tget_class(version_type) == H5T_INTEGER);
    for (hid_t id : {version_type}) H5Tclose(id);
    H5Aclose(version);
    H5Tclose(time);
    H5Tclose(label);
    H5Tclose(type);
    H5Dclose(ds);
    H5Fclose(f);
}

TEST_CASE("non-finite samples survive float storage and are refused for integer storage", "[layout_writer]") {
    TempDir dir;
    Study study;
    Recording r = emg_continuous();
    r.samples[3 * 100 + 2] = std::numeric_limits<float>::quiet_NaN();
    r.samples[3 * 101 + 2] = std::numeric_limits<float>::quiet_NaN();
    study.recordings = {r};
    write_study(study, dir / "nan.h5");
    const Recording back = LayoutReader(dir / "nan.h5").read(r.info.name);
    REQUIRE(back.non_finite.count == 2);
    REQUIRE(back.non_finite.runs.size() == 1);
    REQUIRE(back.non_finite.runs[0].channel == 2);
    REQUIRE(back.non_finite.runs[0].first_sample == 100);
    REQUIRE(back.non_finite.runs[0].length == 2);

    WriteOptions o;
    o.storage = StorageType::int16;
    REQUIRE_THROWS_WITH(write_study(study, dir / "int.h5", o),
                        Catch::Contains("ta_needle_left") && Catch::Contains("non-finite samples cannot be stored as integers"));
    REQUIRE_FALSE(std::filesystem::exists(dir / "int.h5"));
    REQUIRE(files_in(dir.path()) == 1);
}

TEST_CASE("an all-zero recording stored as integers reads back as zeros", "[layout_writer]") {
    TempDir dir;
    Study study;
    Recording r = sural_sweeps();
    std::fill(r.samples.begin(), r.samples.end(), 0.0f);
    study.recordings = {r};
    WriteOptions o;
    o.storage = StorageType::int32;
    write_study(study, dir / "zero.h5", o);
    const Recording back = LayoutReader(dir / "zero.h5").read(r.info.name);
    REQUIRE(back.samples == r.samples);
}

TEST_CASE("bad studies and options are refused before any file is made", "[layout_writer]") {
    TempDir dir;
    const auto file = dir / "out.h5";
    Study study;
    REQUIRE_THROWS_WITH(write_study(study, file), Catch::Contains("no recording"));

    study.recordings = {h_sweeps(), h_sweeps()};
    REQUIRE_THROWS_WITH(write_study(study, file), Catch::Contains("two recordings are named 'soleus_h_right_fair'"));

    Recording broken = h_sweeps();
    broken.stimuli.pop_back();
    study.recordings = {broken};
    REQUIRE_THROWS_AS(write_study(study, file), std::invalid_argument);

    study.recordings = {h_sweeps()};
    WriteOptions o;
    o.deflate_level = 10;
    REQUIRE_THROWS_WITH(write_study(study, file, o), Catch::Contains("WriteOptions.deflate_level"));
    REQUIRE(files_in(dir.path()) == 0);
}

TEST_CASE("the file appears complete under its name or not at all", "[layout_writer]") {
    TempDir dir;
    Study study;
    study.recordings = {h_sweeps()};

    SECTION("an existing file is replaced whole") {
        const auto file = dir / "study.h5";
        std::ofstream(file) << "an older file";
        write_study(study, file);
        REQUIRE(LayoutReader(file).read_study().recordings.size() == 1);
        REQUIRE(files_in(dir.path()) == 1);
    }
    SECTION("a failure at the final rename leaves no temporary behind") {
        const auto target = dir / "occupied";
        std::filesystem::create_directories(target / "inside");  // a non-empty directory cannot be replaced
        try {
            write_study(study, target);
            FAIL("write over a directory succeeded");
        } catch (const InputError& e) {
            CHECK(e.source() == target.string());
            CHECK_THAT(e.rule(), Catch::Contains("cannot write the file"));
        }
        REQUIRE(std::filesystem::is_directory(target / "inside"));
        REQUIRE(files_in(dir.path()) == 1);
    }
    SECTION("a directory that does not exist is an input error naming the file") {
        const auto file = dir / "missing_dir" / "study.h5";
        REQUIRE_THROWS_WITH(write_study(study, file),
                            Catch::Contains(file.string()) && Catch::Contains("cannot write the file"));
        REQUIRE(files_in(dir.path()) == 0);
    }
}

TEST_CASE("a results document larger than an attribute can hold travels with the recordings", "[layout_writer]") {
    TempDir dir;
    Study study;
    study.recordings = {h_sweeps()};
    // 200 KiB of JSON: beyond the 64 KiB of a compact attribute.
    nlohmann::json results = {{"edx_results", 1}, {"sweeps", nlohmann::json::array()}};
    for (int i = 0; i < 4000; ++i) results["sweeps"].push_back({{"sweep_index", i}, {"h_latency_ms", 30.0 + i * 1e-4}});
    study.results_json = results.dump();
    REQUIRE(study.results_json->size() > 150000);
    const auto file = dir / "results.h5";
    write_study(study, file);
    const Study back = LayoutReader(file).read_study();
    REQUIRE(back.results_json == study.results_json);
    REQUIRE(back.recordings.size() == 1);

    study.results_json.reset();
    write_study(study, file);
    CHECK_FALSE(LayoutReader(file).study_info().results_json.has_value());
}
