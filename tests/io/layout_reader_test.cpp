#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "edx/io/input_error.hpp"
#include "edx/io/layout_reader.hpp"
#include "io/hdf5_test_file.hpp"
#include "io/invalid_layouts.hpp"

using namespace edx;
using namespace edx::test;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Root attributes and one recording group, without samples.
void write_root(Hdf5TestFile& f) {
    f.string_attr("/", "edx_format", "edx-recording");
    f.number_attr("/", "edx_format_version", 1, H5T_STD_I64LE);
}

void write_recording_attrs(Hdf5TestFile& f, const std::string& name, const std::string& kind,
                           const std::string& units, double rate_hz = 10000.0) {
    const std::string g = "/recordings/" + name;
    f.group(g);
    f.string_attr(g, "kind", kind);
    f.number_attr(g, "sample_rate_hz", rate_hz);
    f.string_attr(g, "units", units);
    f.string_attr(g, "muscle", "soleus");
}

// A waveform with no special values: the reader must reproduce it, not a template.
double wave(std::size_t i) { return 0.8 * std::sin(0.013 * static_cast<double>(i)) + 0.1 * std::cos(0.0007 * static_cast<double>(i) * static_cast<double>(i % 17)); }

std::vector<float> scan_all(const LayoutReader& reader, const std::string& name, std::size_t max_rows,
                            std::size_t* largest_block = nullptr) {
    std::vector<float> all;
    std::uint64_t expected_row = 0;
    reader.scan(name, max_rows, [&](const SampleBlock& block) {
        REQUIRE(block.first_row == expected_row);
        REQUIRE(block.samples.size() == block.rows * block.columns);
        if (max_rows > 0) REQUIRE(block.rows <= max_rows);
        if (largest_block) *largest_block = std::max(*largest_block, block.rows);
        expected_row += block.rows;
        all.insert(all.end(), block.samples.begin(), block.samples.end());
    });
    return all;
}

}  // namespace

TEST_CASE("the valid base file reads with its values, times and markers", "[layout_reader]") {
    TempDir dir;
    const auto file = dir / "valid.h5";
    {
        Hdf5TestFile f(file);
        write_valid_layout(f);
    }
    const LayoutReader reader(file);
    REQUIRE(reader.recording_names() == std::vector<std::string>{"cont", "swp"});
    REQUIRE(reader.study_info().subject_id == "S-0001");
    REQUIRE_FALSE(reader.study_info().clinical_findings_json);

    const Recording cont = reader.read("cont");
    REQUIRE(cont.info.kind == RecordingKind::needle_emg);
    REQUIRE(cont.info.units == Units::uV);
    REQUIRE(cont.form == SampleForm::continuous);
    REQUIRE(cont.channels == 2);
    REQUIRE(cont.frames == 1000);
    for (std::size_t i = 0; i < 2000; ++i) {
        // Same float expression as the fixture; float32 in a uV file must come back bit-exact.
        REQUIRE(cont.samples[i] == std::sin(0.01f * static_cast<float>(i)));
    }
    REQUIRE(cont.stimuli.size() == 3);
    REQUIRE(cont.stimuli[2].time_s == 0.05);
    REQUIRE(cont.stimuli[1].intensity_ma == 2.0);
    REQUIRE(cont.markers.size() == 2);
    REQUIRE(cont.marker_state("contraction", 0.06) == "minimal");
    REQUIRE(cont.non_finite.count == 0);
    REQUIRE_NOTHROW(cont.check_consistent());

    const Recording swp = reader.read("swp");
    REQUIRE(swp.form == SampleForm::sweeps);
    REQUIRE(swp.sweep_count == 4);
    REQUIRE(swp.frames == 200);
    REQUIRE(swp.pre_trigger_s == 0.005);
    for (std::size_t i = 0; i < 800; ++i) {
        const double truth_mv = static_cast<double>(static_cast<int>(i % 200) - 100) * 0.001;
        REQUIRE(swp.samples[i] == Approx(truth_mv).margin(1e-9));
    }
    REQUIRE(swp.stimuli.size() == 4);
    REQUIRE(swp.stimuli[3].time_s == 6.0);
    REQUIRE(std::isnan(swp.stimuli[0].intensity_ma));
    REQUIRE_NOTHROW(swp.check_consistent());

    const RecordingHeader h = reader.header("swp");
    REQUIRE(h.duration_s() == Approx(6.0 - 0.005 + 0.02).epsilon(1e-12));
    REQUIRE(h.duration_s() == Approx(swp.duration_s()).epsilon(1e-12));
    REQUIRE(h.storage.type == "int16");
    REQUIRE(h.storage.scale == 0.001);
    REQUIRE(h.storage.chunk.empty());
    const RecordingHeader hc = reader.header("cont");
    REQUIRE(hc.storage.chunk == std::vector<std::uint64_t>{100, 2});
    REQUIRE(hc.storage.filters == std::vector<std::string>{"shuffle", "deflate(4)"});
    REQUIRE(hc.storage.stored_bytes > 0);
    REQUIRE(hc.storage.stored_bytes < 2000 * 4);
}

TEST_CASE("every invalid layout is refused with its own message naming file, object and rule",
          "[layout_reader][invalid]") {
    TempDir dir;
    std::size_t index = 0;
    for (const auto& c : invalid_layouts()) {
        const auto file = dir / ("case" + std::to_string(index++) + ".h5");
        DYNAMIC_SECTION(c.name) {
            write_invalid_layout(c, file);
            bool refused = false;
            try {
                // What `edx info` does: the root, every header, and a scan of every recording.
                const LayoutReader reader(file);
                for (const auto& name : reader.recording_names()) {
                    (void)reader.header(name);
                    (void)reader.scan_non_finite(name);
                }
            } catch (const InputError& e) {
                refused = true;
                INFO(e.what());
                CHECK(e.source() == file.string());
                CHECK(e.object() == c.object);
                CHECK_THAT(e.rule(), Catch::Contains(c.rule));
                CHECK_THAT(std::string(e.what()), Catch::Contains(file.string()));
            }
            CHECK(refused);
        }
    }
}

TEST_CASE("the invalid cases are distinct rules", "[layout_reader][invalid]") {
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& c : invalid_layouts()) {
        INFO(c.name);
        CHECK(seen.insert({c.object, c.rule}).second);
    }
    REQUIRE(seen.size() >= 60);
}

TEST_CASE("a missing file and an unknown recording are refused by name", "[layout_reader][invalid]") {
    TempDir dir;
    const auto missing = dir / "absent.h5";
    REQUIRE_THROWS_WITH(LayoutReader(missing), Catch::Contains(missing.string()) && Catch::Contains("no such file"));
    REQUIRE_THROWS_AS(LayoutReader(dir.path()), InputError);

    const auto file = dir / "valid.h5";
    {
        Hdf5TestFile f(file);
        write_valid_layout(f);
    }
    const LayoutReader reader(file);
    try {
        (void)reader.header("nope");
        FAIL("unknown recording accepted");
    } catch (const InputError& e) {
        CHECK(e.object() == "/recordings/nope");
        CHECK_THAT(e.rule(), Catch::Contains("no such recording"));
    }
}

TEST_CASE("every sample type and byte order is read and scaled into the canonical unit", "[layout_reader]") {
    struct Form {
        const char* name;
        hid_t file_type;
        bool integer;
        double scale;   // NaN: no attribute
        double offset;  // NaN: no attribute
        const char* type_text;
        bool big_endian;
    };
    const Form forms[] = {
        {"float32 LE", H5T_IEEE_F32LE, false, kNaN, kNaN, "float32", false},
        {"float32 BE", H5T_IEEE_F32BE, false, kNaN, kNaN, "float32", true},
        {"float64 LE", H5T_IEEE_F64LE, false, kNaN, kNaN, "float64", false},
        {"float64 BE", H5T_IEEE_F64BE, false, kNaN, kNaN, "float64", true},
        {"float64 BE with scale and offset", H5T_IEEE_F64BE, false, 0.5, -0.25, "float64", true},
        {"float32 with scale only", H5T_IEEE_F32LE, false, 2.0, kNaN, "float32", false},
        {"int16 LE", H5T_STD_I16LE, true, 1.0 / 30000.0, kNaN, "int16", false},
        {"int16 BE with offset", H5T_STD_I16BE, true, 1.0 / 30000.0, 0.125, "int16", true},
        {"int32 LE", H5T_STD_I32LE, true, 1.0 / 2.0e9, kNaN, "int32", false},
        {"int32 BE with offset", H5T_STD_I32BE, true, 1.0 / 2.0e9, -0.5, "int32", true},
    };
    const std::size_t n = 3000;
    for (const auto& form : forms) {
        DYNAMIC_SECTION(form.name) {
            TempDir dir;
            const auto file = dir / "types.h5";
            // Raw values as stored; physical = raw * scale + offset (in V, read into mV).
            const bool int16 = form.file_type == H5T_STD_I16LE || form.file_type == H5T_STD_I16BE;
            const double full_scale = int16 ? 30000.0 : 2.0e9;  // |wave| < 1, so no overflow
            std::vector<double> raw(n);
            for (std::size_t i = 0; i < n; ++i) raw[i] = form.integer ? std::round(wave(i) * full_scale) : wave(i);
            {
                Hdf5TestFile f(file);
                write_root(f);
                write_recording_attrs(f, "r", "motor_ncs", "V");
                f.dataset<double>("/recordings/r/data", {n}, raw, form.file_type);
                if (!std::isnan(form.scale)) f.number_attr("/recordings/r/data", "scale", form.scale);
                if (!std::isnan(form.offset)) f.number_attr("/recordings/r/data", "offset", form.offset);
            }
            const LayoutReader reader(file);
            const Recording r = reader.read("r");
            REQUIRE(r.info.units == Units::mV);
            const double scale = std::isnan(form.scale) ? 1.0 : form.scale;
            const double offset = std::isnan(form.offset) ? 0.0 : form.offset;
            const bool float32 = form.file_type == H5T_IEEE_F32LE || form.file_type == H5T_IEEE_F32BE;
            for (std::size_t i = 0; i < n; ++i) {
                // float32 files hold the value rounded to float before scaling.
                const double stored = float32 ? static_cast<double>(static_cast<float>(raw[i])) : raw[i];
                const double truth_mv = (stored * scale + offset) * 1000.0;
                // The only error allowed is the final rounding to float (2^-24 relative).
                REQUIRE(r.samples[i] == Approx(truth_mv).epsilon(1.0e-7).margin(1e-12));
            }
            const RecordingHeader h = reader.header("r");
            REQUIRE(h.storage.type == form.type_text);
            REQUIRE(h.storage.big_endian == form.big_endian);
            REQUIRE(h.storage.stored_units == Units::V);
            REQUIRE(h.storage.scale == scale);
            REQUIRE(h.storage.offset == offset);
        }
    }
}

TEST_CASE("samples are converted to mV for evoked kinds and to uV for EMG", "[layout_reader]") {
    struct Case {
        const char* kind;
        const char* units;
        double factor;
    };
    const Case cases[] = {{"h_reflex", "uV", 1e-3}, {"sensory_ncs", "mV", 1.0}, {"f_wave", "V", 1e3},
                          {"needle_emg", "mV", 1e3}, {"surface_emg", "V", 1e6},  {"needle_emg", "uV", 1.0}};
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.kind << " in " << c.units) {
            TempDir dir;
            const auto file = dir / "units.h5";
            std::vector<double> values(500);
            for (std::size_t i = 0; i < values.size(); ++i) values[i] = wave(i);
            {
                Hdf5TestFile f(file);
                write_root(f);
                write_recording_attrs(f, "r", c.kind, c.units);
                f.dataset<double>("/recordings/r/data", {values.size()}, values, H5T_IEEE_F64LE);
            }
            const Recording r = LayoutReader(file).read("r");
            REQUIRE(r.info.units == canonical_units(*parse_recording_kind(c.kind)));
            for (std::size_t i = 0; i < values.size(); ++i) {
                REQUIRE(r.samples[i] == Approx(values[i] * c.factor).epsilon(1e-7).margin(1e-12));
            }
        }
    }
}

TEST_CASE("chunked, contiguous, compact and every filter HDF5 ships read the same samples", "[layout_reader]") {
    struct Layout {
        const char* name;
        DatasetOptions options;
        hid_t file_type;
        std::vector<std::string> filters;
        double tolerance_mv;  // 0: exact
    };
    std::vector<Layout> layouts;
    auto opts = [](std::vector<hsize_t> chunk) {
        DatasetOptions o;
        o.chunk = std::move(chunk);
        return o;
    };
    layouts.push_back({"contiguous", {}, H5T_STD_I16LE, {}, 0.0});
    {
        DatasetOptions o;
        o.compact = true;
        layouts.push_back({"compact", o, H5T_STD_I16LE, {}, 0.0});
    }
    layouts.push_back({"chunked, no filter", opts({37, 3}), H5T_STD_I16LE, {}, 0.0});
    {
        auto o = opts({64, 2});  // chunks narrower than the channels
        o.deflate = 9;
        layouts.push_back({"deflate, chunks split across channels", o, H5T_STD_I16LE, {"deflate(9)"}, 0.0});
    }
    {
        auto o = opts({100, 3});
        o.shuffle = true;
        o.deflate = 1;
        o.fletcher32 = true;
        layouts.push_back({"shuffle deflate fletcher32", o, H5T_STD_I16BE, {"shuffle", "deflate(1)", "fletcher32"}, 0.0});
    }
    {
        auto o = opts({128, 3});
        o.nbit = true;
        layouts.push_back({"nbit", o, H5T_STD_I16LE, {"nbit"}, 0.0});
    }
    {
        auto o = opts({128, 3});
        o.scaleoffset_int = 0;  // lossless, minimum bits found by HDF5
        layouts.push_back({"scaleoffset integer", o, H5T_STD_I32LE, {"scaleoffset"}, 0.0});
    }
    {
        auto o = opts({128, 3});
        o.scaleoffset_float_decimals = 4;  // lossy: 4 decimals kept of the raw value
        layouts.push_back({"scaleoffset float", o, H5T_IEEE_F32LE, {"scaleoffset"}, 0.5e-4 * 0.01});
    }
    unsigned szip_config = 0;
    if (H5Zfilter_avail(H5Z_FILTER_SZIP) > 0 && H5Zget_filter_info(H5Z_FILTER_SZIP, &szip_config) >= 0 &&
        (szip_config & H5Z_FILTER_CONFIG_ENCODE_ENABLED)) {
        auto o = opts({128, 3});
        o.szip = true;
        layouts.push_back({"szip", o, H5T_STD_I16LE, {"szip"}, 0.0});
    } else {
        WARN("szip encoding not available in this HDF5: szip not tested");
    }

    const std::size_t frames = 1000;
    const std::size_t channels = 3;
    const double scale = 0.01;  // raw counts of 10 uV, read as mV
    std::vector<double> raw(frames * channels);
    for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = std::round(2000.0 * wave(i));

    for (const auto& layout : layouts) {
        DYNAMIC_SECTION(layout.name) {
            TempDir dir;
            const auto file = dir / "layout.h5";
            {
                Hdf5TestFile f(file);
                write_root(f);
                write_recording_attrs(f, "r", "motor_ncs", "uV");
                f.dataset<double>("/recordings/r/data", {frames, channels}, raw, layout.file_type, layout.options);
                f.number_attr("/recordings/r/data", "scale", 10.0);
            }
            const LayoutReader reader(file);
            const Recording r = reader.read("r");
            REQUIRE(r.channels == channels);
            for (std::size_t i = 0; i < raw.size(); ++i) {
                REQUIRE(r.samples[i] == Approx(raw[i] * scale).epsilon(1e-7).margin(layout.tolerance_mv + 1e-12));
            }
            const RecordingHeader h = reader.header("r");
            REQUIRE(h.storage.filters == layout.filters);
            if (!layout.options.chunk.empty()) {
                REQUIRE(h.storage.chunk == std::vector<std::uint64_t>(layout.options.chunk.begin(), layout.options.chunk.end()));
            } else {
                REQUIRE(h.storage.chunk.empty());
            }
            // A scan in blocks smaller than a chunk and not aligned to it gives the same samples.
            REQUIRE(scan_all(reader, "r", 7) == r.samples);
            REQUIRE(scan_all(reader, "r", 0) == r.samples);
        }
    }
}

TEST_CASE("fixed and variable-length strings of either character set are read for every string", "[layout_reader]") {
    const std::pair<StringForm, const char*> forms[] = {{StringForm::variable, "variable"},
                                                        {StringForm::fixed_nullterm, "fixed nullterm"},
                                                        {StringForm::fixed_nullpad, "fixed nullpad"},
                                                        {StringForm::fixed_spacepad, "fixed spacepad"}};
    const std::string findings = "{\n  \"straight_leg_raise\": \"positive\",\n  \"pain_sitting\": true\n}";
    for (const auto& [form, form_name] : forms) {
        for (H5T_cset_t cset : {H5T_CSET_ASCII, H5T_CSET_UTF8}) {
            DYNAMIC_SECTION(form_name << (cset == H5T_CSET_ASCII ? " ascii" : " utf-8")) {
                TempDir dir;
                const auto file = dir / "strings.h5";
                const std::string subject = cset == H5T_CSET_UTF8 ? "S-\xC3\xBC" "01" : "S-u01";
                {
                    Hdf5TestFile f(file);
                    f.string_attr("/", "edx_format", "edx-recording", form, cset);
                    f.number_attr("/", "edx_format_version", 1, H5T_STD_I32BE);
                    f.string_attr("/", "subject_id", subject, form, cset);
                    f.string_attr("/", "session_start", "2024-03-05T09:30:00+01:00", form, cset);
                    f.group("/clinical");
                    f.string_attr("/clinical", "findings", findings, form, cset);
                    const std::string g = "/recordings/tibial_motor";
                    f.group(g);
                    f.string_attr(g, "kind", "motor_ncs", form, cset);
                    f.number_attr(g, "sample_rate_hz", 20000, H5T_STD_I32LE);  // an integer is a number too
                    f.string_attr(g, "units", "mV", form, cset);
                    f.string_attr(g, "muscle", "abductor_hallucis", form, cset);
                    f.string_attr(g, "nerve", "tibial", form, cset);
                    f.string_attr(g, "side", "right", form, cset);
                    f.string_attr(g, "stim_site", "ankle", form, cset);
                    f.number_attr(g, "distance_mm", 100.0, H5T_IEEE_F32LE, 1);  // MATLAB's 1x1 array
                    f.dataset<float>(g + "/data", {4}, {0.f, 1.f, 2.f, 3.f}, H5T_IEEE_F32LE);
                    f.markers(g + "/markers", {{0.0, "position=anatomic"}, {1e-4, "position=fair"}}, form);
                }
                const LayoutReader reader(file);
                REQUIRE(reader.study_info().subject_id == subject);
                REQUIRE(reader.study_info().session_start == "2024-03-05T09:30:00+01:00");
                REQUIRE(reader.study_info().clinical_findings_json == findings);  // verbatim, whitespace kept
                const Recording r = reader.read("tibial_motor");
                REQUIRE(r.info.kind == RecordingKind::motor_ncs);
                REQUIRE(r.info.sample_rate_hz == 20000.0);
                REQUIRE(r.info.muscle == "abductor_hallucis");
                REQUIRE(r.info.nerve == "tibial");
                REQUIRE(r.info.side == "right");
                REQUIRE(r.info.stim_site == "ankle");
                REQUIRE(r.info.distance_mm == 100.0);
                REQUIRE(r.markers.size() == 2);
                REQUIRE(r.markers[0].label == "position=anatomic");
                REQUIRE(r.markers[1].label == "position=fair");
                REQUIRE(r.marker_state("position", 1.0) == "fair");
            }
        }
    }
}

TEST_CASE("anthropometrics are read from the recording and from the root", "[layout_reader]") {
    TempDir dir;
    const auto file = dir / "subject.h5";
    {
        Hdf5TestFile f(file);
        write_root(f);
        f.number_attr("/", "subject_height_cm", 172.5);
        f.number_attr("/", "subject_age_years", 47, H5T_STD_I64LE);
        write_recording_attrs(f, "a", "h_reflex", "mV");
        f.number_attr("/recordings/a", "leg_length_cm", 91.0);
        f.number_attr("/recordings/a", "subject_height_cm", 180.0);
        f.dataset<float>("/recordings/a/data", {3}, {0.f, 1.f, 2.f}, H5T_IEEE_F32LE);
    }
    const LayoutReader reader(file);
    const Study study = reader.read_study();
    REQUIRE(study.subject.height_cm == 172.5);
    REQUIRE(study.subject.age_years == 47.0);
    REQUIRE_FALSE(study.subject.leg_length_cm);
    const Recording& a = study.recordings.at(0);
    REQUIRE(a.info.subject.leg_length_cm == 91.0);
    REQUIRE(a.info.subject.height_cm == 180.0);
    REQUIRE_FALSE(a.info.subject.age_years);
    const SubjectMeasures m = study.measures_for(a);
    REQUIRE(m.height_cm == 180.0);  // the recording's own value wins
    REQUIRE(m.age_years == 47.0);
    REQUIRE(m.leg_length_cm == 91.0);
    REQUIRE(a.info.nerve.empty());
    REQUIRE_FALSE(a.info.distance_mm);
}

TEST_CASE("sensory_ncs may omit the muscle", "[layout_reader]") {
    TempDir dir;
    const auto file = dir / "sural.h5";
    {
        Hdf5TestFile f(file);
        write_root(f);
        f.group("/recordings/sural");
        f.string_attr("/recordings/sural", "kind", "sensory_ncs");
        f.number_attr("/recordings/sural", "sample_rate_hz", 50000.0);
        f.string_attr("/recordings/sural", "units", "uV");
        f.dataset<float>("/recordings/sural/sweeps", {2, 3}, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, H5T_IEEE_F32LE);
        f.number_attr("/recordings/sural/sweeps", "pre_trigger_s", 0.0);
        f.dataset<double>("/recordings/sural/sweep_times", {2}, {1.0, 1.0}, H5T_IEEE_F64LE);  // equal times are allowed
        f.dataset<double>("/recordings/sural/stimulus_intensity_ma", {2}, {12.0, kNaN}, H5T_IEEE_F64LE);
    }
    const Recording r = LayoutReader(file).read("sural");
    REQUIRE(r.info.muscle.empty());
    REQUIRE(r.samples[5] == Approx(0.006f));
    REQUIRE(r.stimuli[0].intensity_ma == 12.0);
    REQUIRE(std::isnan(r.stimuli[1].intensity_ma));
}

TEST_CASE("non-finite samples are kept as NaN, counted and located", "[layout_reader][non_finite]") {
    const double inf = std::numeric_limits<double>::infinity();
    TempDir dir;
    const auto file = dir / "nonfinite.h5";
    const std::size_t frames = 5000;
    const std::size_t channels = 3;
    std::vector<double> data(frames * channels);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = wave(i);
    for (std::size_t t = 10; t <= 12; ++t) data[t * channels + 1] = kNaN;  // a run of 3 on channel 1
    data[500 * channels + 0] = inf;
    data[501 * channels + 0] = -inf;  // continues the run: any non-finite sample counts
    data[4999 * channels + 2] = kNaN;  // the last frame, in the last block
    // Sweeps: 6 sweeps of 400, non-finite in sweeps 1 and 4.
    std::vector<double> sweeps(6 * 400);
    for (std::size_t i = 0; i < sweeps.size(); ++i) sweeps[i] = wave(i);
    sweeps[1 * 400 + 0] = kNaN;
    sweeps[4 * 400 + 398] = inf;
    sweeps[4 * 400 + 399] = kNaN;
    {
        Hdf5TestFile f(file);
        write_root(f);
        write_recording_attrs(f, "c", "needle_emg", "uV");
        DatasetOptions o;
        o.chunk = {256, 3};
        o.deflate = 2;
        f.dataset<double>("/recordings/c/data", {frames, channels}, data, H5T_IEEE_F32LE, o);
        write_recording_attrs(f, "s", "f_wave", "mV");
        f.dataset<double>("/recordings/s/sweeps", {6, 400}, sweeps, H5T_IEEE_F64BE);
        f.number_attr("/recordings/s/sweeps", "pre_trigger_s", 0.002);
        f.dataset<double>("/recordings/s/sweep_times", {6}, {1, 2, 3, 4, 5, 6}, H5T_IEEE_F64LE);
    }
    const LayoutReader reader(file);
    const NonFiniteReport c = reader.scan_non_finite("c");
    REQUIRE(c.count == 6);
    REQUIRE(c.run_count == 3);
    REQUIRE(c.runs.size() == 3);
    REQUIRE(c.runs[0].channel == 1);
    REQUIRE(c.runs[0].first_sample == 10);
    REQUIRE(c.runs[0].length == 3);
    REQUIRE(c.runs[1].channel == 0);
    REQUIRE(c.runs[1].first_sample == 500);
    REQUIRE(c.runs[1].length == 2);
    REQUIRE(c.runs[2].channel == 2);
    REQUIRE(c.runs[2].first_sample == 4999);
    REQUIRE(c.sweeps_affected.empty());
    const Recording rc = reader.read("c");
    REQUIRE(rc.non_finite.count == 6);
    REQUIRE(std::isnan(rc.samples[500 * channels]));  // infinities are held as NaN
    REQUIRE(std::isnan(rc.samples[501 * channels]));
    REQUIRE(std::isnan(rc.samples[11 * channels + 1]));
    REQUIRE(rc.samples[11 * channels + 0] == static_cast<float>(data[11 * channels]));

    const NonFiniteReport s = reader.scan_non_finite("s");
    REQUIRE(s.count == 3);
    REQUIRE(s.run_count == 2);
    REQUIRE(s.runs[0].sweep == 1);
    REQUIRE(s.runs[0].first_sample == 0);
    REQUIRE(s.runs[1].sweep == 4);
    REQUIRE(s.runs[1].first_sample == 398);
    REQUIRE(s.runs[1].length == 2);
    REQUIRE(s.sweeps_affected == std::vector<std::uint64_t>{1, 4});
    REQUIRE(reader.read("s").non_finite.sweeps_affected == s.sweeps_affected);
}

TEST_CASE("runs are counted right after the list of runs is full", "[layout_reader][non_finite]") {
    TempDir dir;
    const auto file = dir / "many.h5";
    std::vector<float> data(1000, 1.0f);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (std::size_t i = 0; i < 70; ++i) data[2 * i] = nan;  // 70 isolated samples
    for (std::size_t i = 300; i < 310; ++i) data[i] = nan;   // one run of 10, unlisted
    {
        Hdf5TestFile f(file);
        write_root(f);
        write_recording_attrs(f, "r", "needle_emg", "uV");
        f.dataset<float>("/recordings/r/data", {data.size()}, data, H5T_IEEE_F32LE);
    }
    const NonFiniteReport report = LayoutReader(file).scan_non_finite("r");
    REQUIRE(report.count == 80);
    REQUIRE(report.run_count == 71);
    REQUIRE(report.runs.size() == NonFiniteReport::max_listed_runs);
    REQUIRE(report.runs.back().first_sample == 2 * 63);
}

TEST_CASE("scans cover every row once, in order, in bounded blocks", "[layout_reader][scan]") {
    TempDir dir;
    const auto file = dir / "scan.h5";
    const std::size_t frames = 100000;
    const std::size_t channels = 4;
    std::vector<std::int16_t> raw(frames * channels);
    for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::int16_t>(std::lround(20000.0 * wave(i)));
    {
        Hdf5TestFile f(file);
        write_root(f);
        write_recording_attrs(f, "r", "surface_emg", "uV");
        DatasetOptions o;
        o.chunk = {1000, 4};
        o.shuffle = true;
        o.deflate = 1;
        f.dataset<std::int16_t>("/recordings/r/data", {frames, channels}, raw, H5T_STD_I16LE, o);
        f.number_attr("/recordings/r/data", "scale", 0.5);
        write_recording_attrs(f, "s", "h_reflex", "mV");
        f.dataset<std::int16_t>("/recordings/s/sweeps", {40, 500}, std::vector<std::int16_t>(raw.begin(), raw.begin() + 20000),
                                H5T_STD_I16LE);
        f.number_attr("/recordings/s/sweeps", "scale", 0.001);
        f.number_attr("/recordings/s/sweeps", "pre_trigger_s", 0.01);
        std::vector<double> times(40);
        for (std::size_t i = 0; i < 40; ++i) times[i] = 0.5 * static_cast<double>(i);
        f.dataset<double>("/recordings/s/sweep_times", {40}, times, H5T_IEEE_F64LE);
    }
    const LayoutReader reader(file);
    const Recording r = reader.read("r");
    for (std::size_t i = 0; i < raw.size(); ++i) REQUIRE(r.samples[i] == static_cast<float>(raw[i] * 0.5));

    std::size_t largest = 0;
    REQUIRE(scan_all(reader, "r", 2500, &largest) == r.samples);
    REQUIRE(largest == 2000);  // rounded down to whole chunks of 1000 rows
    largest = 0;
    REQUIRE(scan_all(reader, "r", 333, &largest) == r.samples);
    REQUIRE(largest == 333);
    largest = 0;
    REQUIRE(scan_all(reader, "r", 0, &largest) == r.samples);
    // The default block is about 8 MiB of floats: far less than a large file, more than a chunk.
    REQUIRE(largest == frames);  // this recording is 1.6 MB, so one block

    const Recording s = reader.read("s");
    std::size_t sweep_rows = 0;
    reader.scan("s", 7, [&](const SampleBlock& block) {
        REQUIRE(block.columns == 500);
        for (std::size_t i = 0; i < block.samples.size(); ++i) {
            REQUIRE(block.samples[i] == s.samples[block.first_row * 500 + i]);
        }
        sweep_rows += block.rows;
    });
    REQUIRE(sweep_rows == 40);
}
