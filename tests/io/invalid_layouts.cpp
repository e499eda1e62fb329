#include "io/invalid_layouts.hpp"

#include <cmath>
#include <fstream>
#include <limits>

namespace edx::test {

namespace {

constexpr const char* kCont = "/recordings/cont";
constexpr const char* kSwp = "/recordings/swp";

std::vector<float> ramp(std::size_t n) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(0.01f * static_cast<float>(i));
    return v;
}

std::vector<std::int16_t> int_ramp(std::size_t n) {
    std::vector<std::int16_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::int16_t>(static_cast<int>(i % 200) - 100);
    return v;
}

DatasetOptions compressed() {
    DatasetOptions o;
    o.chunk = {100, 2};
    o.shuffle = true;
    o.deflate = 4;
    return o;
}

void write_data(Hdf5TestFile& f, const DatasetOptions& o = compressed()) {
    f.dataset<float>(std::string(kCont) + "/data", {1000, 2}, ramp(2000), H5T_IEEE_F32LE, o);
}

void write_sweeps(Hdf5TestFile& f) {
    f.dataset<std::int16_t>(std::string(kSwp) + "/sweeps", {4, 200}, int_ramp(800), H5T_STD_I16LE);
    f.number_attr(std::string(kSwp) + "/sweeps", "scale", 0.001);
    f.number_attr(std::string(kSwp) + "/sweeps", "pre_trigger_s", 0.005);
}

std::string cont(const std::string& leaf) { return std::string(kCont) + "/" + leaf; }
std::string swp(const std::string& leaf) { return std::string(kSwp) + "/" + leaf; }

void write_text_file(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
}

std::vector<InvalidLayout> make_cases() {
    using F = Hdf5TestFile;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<InvalidLayout> c;
    auto add = [&](std::string name, std::string object, std::string rule, std::function<void(F&)> edit) {
        c.push_back({std::move(name), std::move(object), std::move(rule), std::move(edit), {}, false});
    };

    // The file itself.
    c.push_back({"not an HDF5 file", "", "not an HDF5 file: no HDF5 signature found", {},
                 [](const std::filesystem::path& p) { write_text_file(p, "time_s,value_mV\n0.0,0.1\n"); }, true});
    c.push_back({"an empty file", "", "not an HDF5 file: the file is empty", {},
                 [](const std::filesystem::path& p) { write_text_file(p, ""); }, true});
    c.push_back({"a truncated file", "", "truncated or damaged", {},
                 [](const std::filesystem::path& p) {
                     std::filesystem::resize_file(p, std::filesystem::file_size(p) / 2);
                 }});
    // Damage inside compressed samples shows only when the samples are read.
    c.push_back({"damaged compressed samples", cont("data"), "the file is truncated or damaged", {},
                 [](const std::filesystem::path& p) {
                     overwrite_bytes(p, data_address(p, cont("data")) + 2, std::string(64, '\x5a'));
                 }});

    // Root.
    add("missing edx_format", "/", "required attribute edx_format is missing", [](F& f) { f.remove_attr("/", "edx_format"); });
    add("wrong edx_format", "/", "attribute edx_format is 'edx-recordings'",
        [](F& f) { f.string_attr("/", "edx_format", "edx-recordings"); });
    add("edx_format not a string", "/", "attribute edx_format must be a string, found int64",
        [](F& f) { f.remove_attr("/", "edx_format"); f.number_attr("/", "edx_format", 1, H5T_STD_I64LE); });
    add("higher format version", "/", "format version 2 is not supported",
        [](F& f) { f.number_attr("/", "edx_format_version", 2, H5T_STD_I64LE); });
    add("format version 0", "/", "format version 0 is unknown",
        [](F& f) { f.number_attr("/", "edx_format_version", 0, H5T_STD_I32LE); });
    add("missing format version", "/", "required attribute edx_format_version is missing",
        [](F& f) { f.remove_attr("/", "edx_format_version"); });
    add("format version not an integer", "/", "attribute edx_format_version must be an integer, found float64",
        [](F& f) { f.number_attr("/", "edx_format_version", 1.0, H5T_IEEE_F64LE); });
    add("no /recordings", "/recordings", "required group /recordings is missing", [](F& f) { f.remove("/recordings"); });
    add("no recording in /recordings", "/recordings", "holds no recording",
        [](F& f) { f.remove(kCont); f.remove(kSwp); });
    add("a dataset among the recordings", "/recordings/stray",
        "must be a group, found a dataset (every member of /recordings is a recording group)",
        [](F& f) { f.dataset<double>("/recordings/stray", {2}, {1.0, 2.0}, H5T_IEEE_F64LE); });
    add("clinical findings not JSON", "/clinical", "attribute findings is not a valid JSON document",
        [](F& f) { f.group("/clinical"); f.string_attr("/clinical", "findings", "{\"slr\": tru"); });
    add("results group without its document", "/results/document",
        "a /results group must hold the string dataset document", [](F& f) { f.group("/results"); });
    add("results document not JSON", "/results/document", "is not a valid JSON document", [](F& f) {
        f.group("/results");
        f.string_dataset("/results/document", {"{\"h_reflex\": ["});
    });
    add("negative root height", "/", "attribute subject_height_cm must be > 0 and finite, got -170",
        [](F& f) { f.number_attr("/", "subject_height_cm", -170); });

    // Sample form.
    add("both data and sweeps", kCont, "holds both data and sweeps", [](F& f) {
        f.dataset<float>(cont("sweeps"), {2, 10}, std::vector<float>(20, 0.0f), H5T_IEEE_F32LE);
    });
    add("neither data nor sweeps", kCont, "holds neither data", [](F& f) { f.remove(cont("data")); });
    add("data is a group", cont("data"), "must be a dataset, found a group",
        [](F& f) { f.remove(cont("data")); f.group(cont("data")); });
    add("data is a dangling link", cont("data"), "is a link to an object that does not exist", [](F& f) {
        f.remove(cont("data"));
        H5Lcreate_soft("/nowhere", f.id(), cont("data").c_str(), H5P_DEFAULT, H5P_DEFAULT);
    });
    add("sweep_times in the continuous form", cont("sweep_times"), "sweep_times belongs to the sweep form",
        [](F& f) { f.dataset<double>(cont("sweep_times"), {1}, {0.0}, H5T_IEEE_F64LE); });
    add("stimuli in the sweep form", swp("stimuli"), "stimuli belongs to the continuous form",
        [](F& f) { f.dataset<double>(swp("stimuli"), {1}, {0.0}, H5T_IEEE_F64LE); });

    // Recording attributes.
    add("missing kind", kCont, "required attribute kind is missing", [](F& f) { f.remove_attr(kCont, "kind"); });
    add("unknown kind", kCont, "attribute kind is 'h-reflex', not one of h_reflex, f_wave",
        [](F& f) { f.string_attr(kCont, "kind", "h-reflex"); });
    add("missing units", kCont, "required attribute units is missing", [](F& f) { f.remove_attr(kCont, "units"); });
    add("unknown units", kCont, "attribute units is '\xC2\xB5V', not one of V, mV, uV",
        [](F& f) { f.string_attr(kCont, "units", "\xC2\xB5V"); });
    add("missing sample rate", kCont, "required attribute sample_rate_hz is missing",
        [](F& f) { f.remove_attr(kCont, "sample_rate_hz"); });
    add("zero sample rate", kCont, "attribute sample_rate_hz must be > 0 and finite, got 0",
        [](F& f) { f.number_attr(kCont, "sample_rate_hz", 0.0); });
    add("negative sample rate", kCont, "attribute sample_rate_hz must be > 0 and finite, got -5",
        [](F& f) { f.number_attr(kCont, "sample_rate_hz", -5.0); });
    add("NaN sample rate", kCont, "attribute sample_rate_hz must be > 0 and finite, got nan",
        [nan](F& f) { f.number_attr(kCont, "sample_rate_hz", nan); });
    add("infinite sample rate", kCont, "attribute sample_rate_hz must be > 0 and finite, got inf",
        [inf](F& f) { f.number_attr(kCont, "sample_rate_hz", inf); });
    add("sample rate as a string", kCont, "attribute sample_rate_hz must be a number, found string",
        [](F& f) { f.remove_attr(kCont, "sample_rate_hz"); f.string_attr(kCont, "sample_rate_hz", "10 kHz"); });
    add("sample rate as an array", kCont, "attribute sample_rate_hz must hold a single value, found 2 values",
        [](F& f) { f.number_attr(kCont, "sample_rate_hz", 10000.0, H5T_IEEE_F64LE, 2); });
    add("missing muscle", kSwp, "attribute muscle is required for kind h_reflex",
        [](F& f) { f.remove_attr(kSwp, "muscle"); });
    add("side not left or right", kCont, "attribute side is 'both', not left or right",
        [](F& f) { f.string_attr(kCont, "side", "both"); });
    add("negative distance", kCont, "attribute distance_mm must be > 0 and finite, got -300",
        [](F& f) { f.number_attr(kCont, "distance_mm", -300.0); });

    // Sample datasets.
    add("empty data", cont("data"), "dataset is empty",
        [](F& f) { f.remove(cont("data")); f.dataset<float>(cont("data"), {0}, {}, H5T_IEEE_F32LE); });
    add("empty sweeps", swp("sweeps"), "dataset is empty", [](F& f) {
        f.remove(swp("sweeps"));
        f.dataset<std::int16_t>(swp("sweeps"), {4, 0}, {}, H5T_STD_I16LE);
    });
    add("uint8 samples", cont("data"), "sample type uint8 is not supported", [](F& f) {
        f.remove(cont("data"));
        f.dataset<std::uint8_t>(cont("data"), {1000}, std::vector<std::uint8_t>(1000, 1), H5T_STD_U8LE);
    });
    add("int64 samples", cont("data"), "sample type int64 is not supported", [](F& f) {
        f.remove(cont("data"));
        f.dataset<std::int64_t>(cont("data"), {1000}, std::vector<std::int64_t>(1000, 1), H5T_STD_I64LE);
        f.number_attr(cont("data"), "scale", 1.0);
    });
    add("string samples", cont("data"), "sample type string is not supported", [](F& f) {
        f.remove(cont("data"));
        f.string_dataset(cont("data"), {"1.0", "2.0"});
    });
    add("3-D data", cont("data"), "data must be [n] or [n, channels], found rank 3", [](F& f) {
        f.remove(cont("data"));
        f.dataset<float>(cont("data"), {10, 2, 2}, std::vector<float>(40, 0.0f), H5T_IEEE_F32LE);
    });
    add("1-D sweeps", swp("sweeps"), "sweeps must be [n_sweeps, n_samples], found rank 1", [](F& f) {
        f.remove(swp("sweeps"));
        f.dataset<float>(swp("sweeps"), {800}, std::vector<float>(800, 0.0f), H5T_IEEE_F32LE);
        f.number_attr(swp("sweeps"), "pre_trigger_s", 0.005);
    });
    add("integer samples without scale", swp("sweeps"), "integer samples (int16) need attribute scale",
        [](F& f) { f.remove_attr(swp("sweeps"), "scale"); });
    add("zero scale", swp("sweeps"), "attribute scale must be finite and non-zero, got 0",
        [](F& f) { f.number_attr(swp("sweeps"), "scale", 0.0); });
    add("infinite offset", swp("sweeps"), "attribute offset must be finite, got inf",
        [inf](F& f) { f.number_attr(swp("sweeps"), "offset", inf); });
    add("a filter HDF5 does not ship", cont("data"), "is not available in this HDF5 library", [](F& f) {
        f.remove(cont("data"));
        DatasetOptions o;
        o.chunk = {100, 2};
        o.unavailable_filter = 32000;  // LZF, an h5py plug-in
        f.dataset<float>(cont("data"), {1000, 2}, ramp(2000), H5T_IEEE_F32LE, o);
    });

    // Sweep form.
    add("missing pre_trigger_s", swp("sweeps"), "required attribute pre_trigger_s is missing",
        [](F& f) { f.remove_attr(swp("sweeps"), "pre_trigger_s"); });
    add("negative pre_trigger_s", swp("sweeps"), "attribute pre_trigger_s must be >= 0 and finite, got -0.001",
        [](F& f) { f.number_attr(swp("sweeps"), "pre_trigger_s", -0.001); });
    add("pre_trigger_s as long as a sweep", swp("sweeps"),
        "attribute pre_trigger_s (0.02 s) must be shorter than a sweep (0.02 s)",
        [](F& f) { f.number_attr(swp("sweeps"), "pre_trigger_s", 0.02); });
    add("missing sweep_times", swp("sweep_times"), "required dataset sweep_times is missing",
        [](F& f) { f.remove(swp("sweep_times")); });
    add("sweep_times shorter than sweeps", swp("sweep_times"),
        "sweep_times has 3 entries but sweeps holds 4 sweeps", [](F& f) {
            f.remove(swp("sweep_times"));
            f.dataset<double>(swp("sweep_times"), {3}, {0.0, 2.0, 4.0}, H5T_IEEE_F64LE);
        });
    add("sweep_times decreasing", swp("sweep_times"),
        "sweep_times must be non-decreasing: sweep 2 at 1 s comes before sweep 1 at 2 s", [](F& f) {
            f.remove(swp("sweep_times"));
            f.dataset<double>(swp("sweep_times"), {4}, {0.0, 2.0, 1.0, 6.0}, H5T_IEEE_F64LE);
        });
    add("NaN sweep time", swp("sweep_times"), "sweep time 1 must be >= 0 and finite, got nan", [nan](F& f) {
        f.remove(swp("sweep_times"));
        f.dataset<double>(swp("sweep_times"), {4}, {0.0, nan, 4.0, 6.0}, H5T_IEEE_F64LE);
    });
    add("sweep_times two-dimensional", swp("sweep_times"), "must be one-dimensional, found rank 2", [](F& f) {
        f.remove(swp("sweep_times"));
        f.dataset<double>(swp("sweep_times"), {2, 2}, {0.0, 2.0, 4.0, 6.0}, H5T_IEEE_F64LE);
    });
    add("intensity length differs from sweeps", swp("stimulus_intensity_ma"),
        "stimulus_intensity_ma has 2 entries but there are 4 sweeps",
        [](F& f) { f.dataset<double>(swp("stimulus_intensity_ma"), {2}, {5.0, 6.0}, H5T_IEEE_F64LE); });

    // Continuous form: stimuli.
    add("stimuli not strictly increasing", cont("stimuli"),
        "stimuli must be strictly increasing: stimulus 1 at 0.01 s does not come after stimulus 0 at 0.01 s",
        [](F& f) {
            f.remove(cont("stimuli"));
            f.dataset<double>(cont("stimuli"), {3}, {0.01, 0.01, 0.05}, H5T_IEEE_F64LE);
        });
    add("stimulus after the end", cont("stimuli"), "stimulus 2 at 0.1 s lies outside the recording (0 to 0.1 s)",
        [](F& f) {
            f.remove(cont("stimuli"));
            f.dataset<double>(cont("stimuli"), {3}, {0.01, 0.02, 0.1}, H5T_IEEE_F64LE);
        });
    add("stimulus before the start", cont("stimuli"), "stimulus 0 at -0.01 s lies outside the recording",
        [](F& f) {
            f.remove(cont("stimuli"));
            f.dataset<double>(cont("stimuli"), {3}, {-0.01, 0.02, 0.05}, H5T_IEEE_F64LE);
        });
    add("NaN stimulus", cont("stimuli"), "stimulus 1 time is not finite (nan)", [nan](F& f) {
        f.remove(cont("stimuli"));
        f.dataset<double>(cont("stimuli"), {3}, {0.01, nan, 0.05}, H5T_IEEE_F64LE);
    });
    add("empty stimuli", cont("stimuli"), "dataset is empty", [](F& f) {
        f.remove(cont("stimuli"));
        f.remove(cont("stimulus_intensity_ma"));
        f.dataset<double>(cont("stimuli"), {0}, {}, H5T_IEEE_F64LE);
    });
    add("stimuli as strings", cont("stimuli"), "must be numeric (float64), found string", [](F& f) {
        f.remove(cont("stimuli"));
        f.string_dataset(cont("stimuli"), {"0.01", "0.02", "0.05"});
    });
    add("intensity length differs from stimuli", cont("stimulus_intensity_ma"),
        "stimulus_intensity_ma has 2 entries but there are 3 stimuli", [](F& f) {
            f.remove(cont("stimulus_intensity_ma"));
            f.dataset<double>(cont("stimulus_intensity_ma"), {2}, {1.0, 2.0}, H5T_IEEE_F64LE);
        });
    add("intensity without stimuli", cont("stimulus_intensity_ma"), "stimulus_intensity_ma is given but stimuli is missing",
        [](F& f) { f.remove(cont("stimuli")); });
    add("negative intensity", cont("stimulus_intensity_ma"), "intensity 1 must be >= 0 (or NaN when unknown), got -2",
        [](F& f) {
            f.remove(cont("stimulus_intensity_ma"));
            f.dataset<double>(cont("stimulus_intensity_ma"), {3}, {1.0, -2.0, 3.0}, H5T_IEEE_F64LE);
        });

    // Markers.
    add("markers not sorted", cont("markers"),
        "markers must be sorted by time_s: marker 2 at 0.02 s comes after marker 1 at 0.05 s", [](F& f) {
            f.remove(cont("markers"));
            f.markers(cont("markers"), {{0.0, "contraction=rest"}, {0.05, "contraction=minimal"}, {0.02, "note"}});
        });
    add("markers not compound", cont("markers"), "markers must be a one-dimensional compound", [](F& f) {
        f.remove(cont("markers"));
        f.dataset<double>(cont("markers"), {2}, {0.0, 1.0}, H5T_IEEE_F64LE);
    });
    add("markers without labels", cont("markers"), "member label is missing", [](F& f) {
        f.remove(cont("markers"));
        struct Row {
            double time_s;
            int code;
        };
        const hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(Row));
        H5Tinsert(type, "time_s", HOFFSET(Row, time_s), H5T_NATIVE_DOUBLE);
        H5Tinsert(type, "code", HOFFSET(Row, code), H5T_NATIVE_INT);
        const hsize_t n = 2;
        const hid_t space = H5Screate_simple(1, &n, nullptr);
        const hid_t ds = H5Dcreate2(f.id(), cont("markers").c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        const Row rows[2] = {{0.0, 1}, {1.0, 2}};
        H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows);
        H5Dclose(ds);
        H5Sclose(space);
        H5Tclose(type);
    });
    add("NaN marker time", cont("markers"), "marker 1 has a time_s that is not finite (nan)", [nan](F& f) {
        f.remove(cont("markers"));
        f.markers(cont("markers"), {{0.0, "contraction=rest"}, {nan, "contraction=minimal"}});
    });
    add("empty markers", cont("markers"), "dataset is empty", [](F& f) {
        f.remove(cont("markers"));
        f.markers(cont("markers"), {});
    });
    return c;
}

}  // namespace

void write_valid_layout(Hdf5TestFile& f) {
    f.string_attr("/", "edx_format", "edx-recording");
    f.number_attr("/", "edx_format_version", 1, H5T_STD_I64LE);
    f.string_attr("/", "subject_id", "S-0001");

    f.group(kCont);
    f.string_attr(kCont, "kind", "needle_emg");
    f.number_attr(kCont, "sample_rate_hz", 10000.0);
    f.string_attr(kCont, "units", "uV");
    f.string_attr(kCont, "muscle", "tibialis_anterior");
    f.string_attr(kCont, "side", "left");
    write_data(f);
    f.dataset<double>(cont("stimuli"), {3}, {0.01, 0.02, 0.05}, H5T_IEEE_F64LE);
    f.dataset<double>(cont("stimulus_intensity_ma"), {3}, {1.0, 2.0, 3.0}, H5T_IEEE_F64LE);
    f.markers(cont("markers"), {{0.0, "contraction=rest"}, {0.05, "contraction=minimal"}});

    f.group(kSwp);
    f.string_attr(kSwp, "kind", "h_reflex");
    f.number_attr(kSwp, "sample_rate_hz", 10000.0);
    f.string_attr(kSwp, "units", "mV");
    f.string_attr(kSwp, "muscle", "soleus");
    write_sweeps(f);
    f.dataset<double>(swp("sweep_times"), {4}, {0.0, 2.0, 4.0, 6.0}, H5T_IEEE_F64LE);
}

const std::vector<InvalidLayout>& invalid_layouts() {
    static const std::vector<InvalidLayout> cases = make_cases();
    return cases;
}

void write_invalid_layout(const InvalidLayout& c, const std::filesystem::path& file) {
    if (!c.from_scratch) {
        Hdf5TestFile f(file);
        write_valid_layout(f);
        if (c.edit) c.edit(f);
        f.close();
    }
    if (c.after_close) c.after_close(file);
}

}  // namespace edx::test
