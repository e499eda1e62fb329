#include "edx/io/layout_writer.hpp"

#include <hdf5.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "edx/io/input_error.hpp"
#include "hdf5_error_stack.hpp"
#include "hdf5_handle.hpp"

namespace edx {

using io_detail::Hid;

namespace {

constexpr std::size_t kTargetChunkBytes = std::size_t{256} << 10;
constexpr std::size_t kConvertRows = std::size_t{1} << 16;

void check_options(const WriteOptions& options) {
    if (options.deflate_level < 0 || options.deflate_level > 9) {
        throw std::invalid_argument("WriteOptions.deflate_level must be 0 (no compression) to 9, got " +
                                    std::to_string(options.deflate_level));
    }
}

void check_study(const Study& study, const WriteOptions& options) {
    if (study.recordings.empty()) throw std::invalid_argument("study: no recording to write (the layout needs one)");
    std::set<std::string> names;
    for (const auto& r : study.recordings) {
        r.check_consistent();
        if (!names.insert(r.info.name).second) {
            throw std::invalid_argument("study: two recordings are named '" + r.info.name + "'");
        }
        if (r.info.name == "." || r.info.name == "..") {
            throw std::invalid_argument("recording '" + r.info.name + "': name cannot be '.' or '..'");
        }
        const bool integer = options.storage == StorageType::int16 || options.storage == StorageType::int32;
        if (integer) {
            for (float x : r.samples) {
                if (!std::isfinite(x)) {
                    throw std::invalid_argument("recording '" + r.info.name +
                                                "': non-finite samples cannot be stored as integers; "
                                                "write float32 or float64 instead");
                }
            }
        }
    }
}

// Everything written through here fails as one InputError on the output file.
class Out {
public:
    explicit Out(const std::string& file) : file_(file) {}

    [[noreturn]] void fail(const std::string& object, const std::string& what) const {
        std::string rule = "cannot write " + what;
        const std::string detail = io_detail::innermost_hdf5_error();
        if (!detail.empty()) rule += " (HDF5: " + detail + ")";
        throw InputError(file_, object, rule);
    }
    void check(herr_t status, const std::string& object, const std::string& what) const {
        if (status < 0) fail(object, what);
    }
    Hid check(Hid id, const std::string& object, const std::string& what) const {
        if (!id) fail(object, what);
        return id;
    }

private:
    const std::string& file_;
};

Hid utf8_string_type() {
    Hid type = io_detail::type_hid(H5Tcopy(H5T_C_S1));
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    return type;
}

void write_string_attr(const Out& out, hid_t obj, const std::string& object, const char* name,
                       const std::string& value) {
    Hid type = utf8_string_type();
    Hid space = io_detail::space_hid(H5Screate(H5S_SCALAR));
    Hid attr = out.check(io_detail::attr_hid(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT)),
                         object, std::string("attribute ") + name);
    const char* text = value.c_str();
    out.check(H5Awrite(attr.get(), type.get(), &text), object, std::string("attribute ") + name);
}

// A dataset rather than an attribute: a results document outgrows the 64 KiB
// an attribute holds in compact storage.
void write_results(const Out& out, hid_t fh, const std::string& document) {
    Hid group = out.check(io_detail::group_hid(H5Gcreate2(fh, "results", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)),
                          "/results", "the group");
    {
        const long long version = 1;
        Hid space = io_detail::space_hid(H5Screate(H5S_SCALAR));
        Hid attr = out.check(io_detail::attr_hid(H5Acreate2(group.get(), "edx_results_version", H5T_STD_I64LE,
                                                            space.get(), H5P_DEFAULT, H5P_DEFAULT)),
                             "/results", "attribute edx_results_version");
        out.check(H5Awrite(attr.get(), H5T_NATIVE_LLONG, &version), "/results", "attribute edx_results_version");
    }
    Hid type = utf8_string_type();
    Hid space = io_detail::space_hid(H5Screate(H5S_SCALAR));
    Hid dataset = out.check(io_detail::dataset_hid(H5Dcreate2(group.get(), "document", type.get(), space.get(),
                                                              H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)),
                            "/results/document", "the dataset");
    const char* text = document.c_str();
    out.check(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text), "/results/document",
              "the dataset");
}

void write_number_attr(const Out& out, hid_t obj, const std::string& object, const char* name, double value) {
    Hid space = io_detail::space_hid(H5Screate(H5S_SCALAR));
    Hid attr = out.check(
        io_detail::attr_hid(H5Acreate2(obj, name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT)), object,
        std::string("attribute ") + name);
    out.check(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value), object, std::string("attribute ") + name);
}

void write_measures(const Out& out, hid_t obj, const std::string& object, const SubjectMeasures& m) {
    if (m.height_cm) write_number_attr(out, obj, object, "subject_height_cm", *m.height_cm);
    if (m.age_years) write_number_attr(out, obj, object, "subject_age_years", *m.age_years);
    if (m.leg_length_cm) write_number_attr(out, obj, object, "leg_length_cm", *m.leg_length_cm);
}

void write_vector(const Out& out, hid_t group, const std::string& object, const char* name,
                  const std::vector<double>& values) {
    const hsize_t n = values.size();
    Hid space = io_detail::space_hid(H5Screate_simple(1, &n, nullptr));
    Hid ds = out.check(io_detail::dataset_hid(H5Dcreate2(group, name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                                         H5P_DEFAULT, H5P_DEFAULT)),
                       object, "the dataset");
    out.check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), object,
              "the dataset");
}

void write_markers(const Out& out, hid_t group, const std::string& object, const std::vector<Marker>& markers) {
    struct Record {
        double time_s;
        const char* label;
    };
    Hid label = utf8_string_type();
    Hid file_type = io_detail::type_hid(H5Tcreate(H5T_COMPOUND, 8 + sizeof(char*)));
    H5Tinsert(file_type.get(), "time_s", 0, H5T_IEEE_F64LE);
    H5Tinsert(file_type.get(), "label", 8, label.get());
    H5Tpack(file_type.get());
    Hid mem_type = io_detail::type_hid(H5Tcreate(H5T_COMPOUND, sizeof(Record)));
    H5Tinsert(mem_type.get(), "time_s", HOFFSET(Record, time_s), H5T_NATIVE_DOUBLE);
    H5Tinsert(mem_type.get(), "label", HOFFSET(Record, label), label.get());
    std::vector<Record> records;
    records.reserve(markers.size());
    for (const auto& m : markers) records.push_back({m.time_s, m.label.c_str()});
    const hsize_t n = records.size();
    Hid space = io_detail::space_hid(H5Screate_simple(1, &n, nullptr));
    Hid ds = out.check(io_detail::dataset_hid(H5Dcreate2(group, "markers", file_type.get(), space.get(), H5P_DEFAULT,
                                                         H5P_DEFAULT, H5P_DEFAULT)),
                       object, "the markers");
    out.check(H5Dwrite(ds.get(), mem_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, records.data()), object,
              "the markers");
}

hid_t file_sample_type(StorageType storage) {
    switch (storage) {
        case StorageType::float32: return H5T_IEEE_F32LE;
        case StorageType::float64: return H5T_IEEE_F64LE;
        case StorageType::int16: return H5T_STD_I16LE;
        case StorageType::int32: return H5T_STD_I32LE;
    }
    return H5T_IEEE_F32LE;
}

std::size_t storage_bytes(StorageType storage) {
    switch (storage) {
        case StorageType::float32: return 4;
        case StorageType::float64: return 8;
        case StorageType::int16: return 2;
        case StorageType::int32: return 4;
    }
    return 4;
}

template <class T>
void write_integer_samples(const Out& out, hid_t ds, const std::string& object, const Recording& r,
                           std::size_t rows, std::size_t columns, int rank, double scale) {
    constexpr double limit = static_cast<double>(std::numeric_limits<T>::max());
    hid_t mem_type = sizeof(T) == 2 ? H5T_NATIVE_INT16 : H5T_NATIVE_INT32;
    Hid file_space = io_detail::space_hid(H5Dget_space(ds));
    std::vector<T> buffer(std::min(rows, kConvertRows) * columns);
    for (std::size_t first = 0; first < rows; first += kConvertRows) {
        const std::size_t n_rows = std::min(kConvertRows, rows - first);
        const std::size_t n = n_rows * columns;
        const float* in = r.samples.data() + first * columns;
        for (std::size_t i = 0; i < n; ++i) {
            const double q = std::nearbyint(static_cast<double>(in[i]) / scale);
            buffer[i] = static_cast<T>(std::clamp(q, -limit, limit));
        }
        const hsize_t start[2] = {first, 0};
        const hsize_t count[2] = {n_rows, columns};
        out.check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), object,
                  "the samples");
        Hid mem_space = io_detail::space_hid(H5Screate_simple(rank, count, nullptr));
        out.check(H5Dwrite(ds, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, buffer.data()), object,
                  "the samples");
    }
}

void write_recording(const Out& out, hid_t recordings, const Recording& r, const WriteOptions& options) {
    const std::string object = "/recordings/" + r.info.name;
    Hid group = out.check(io_detail::group_hid(H5Gcreate2(recordings, r.info.name.c_str(), H5P_DEFAULT, H5P_DEFAULT,
                                                         H5P_DEFAULT)),
                          object, "the recording group");
    const hid_t g = group.get();
    const RecordingInfo& info = r.info;
    write_string_attr(out, g, object, "kind", std::string(to_string(info.kind)));
    write_number_attr(out, g, object, "sample_rate_hz", info.sample_rate_hz);
    write_string_attr(out, g, object, "units", std::string(to_string(info.units)));
    if (!info.muscle.empty()) write_string_attr(out, g, object, "muscle", info.muscle);
    if (!info.nerve.empty()) write_string_attr(out, g, object, "nerve", info.nerve);
    if (!info.side.empty()) write_string_attr(out, g, object, "side", info.side);
    if (!info.stim_site.empty()) write_string_attr(out, g, object, "stim_site", info.stim_site);
    if (info.distance_mm) write_number_attr(out, g, object, "distance_mm", *info.distance_mm);
    write_measures(out, g, object, info.subject);

    const bool sweeps = r.form == SampleForm::sweeps;
    const std::size_t rows = sweeps ? r.sweep_count : r.frames;
    const std::size_t columns = sweeps ? r.frames : r.channels;
    // A single channel is written [n], as h5py users expect; more are [n, channels].
    const int rank = (sweeps || columns > 1) ? 2 : 1;
    const hsize_t dims[2] = {rows, columns};
    const char* name = sweeps ? "sweeps" : "data";
    const std::string ds_object = object + "/" + name;

    Hid dcpl = io_detail::plist_hid(H5Pcreate(H5P_DATASET_CREATE));
    if (options.deflate_level > 0) {
        const std::size_t row_bytes = columns * storage_bytes(options.storage);
        std::size_t chunk_rows = options.chunk_rows;
        if (chunk_rows == 0) chunk_rows = std::max<std::size_t>(1, kTargetChunkBytes / row_bytes);
        chunk_rows = std::min(chunk_rows, rows);
        const hsize_t chunk[2] = {chunk_rows, columns};
        out.check(H5Pset_chunk(dcpl.get(), rank, chunk), ds_object, "the chunk layout");
        if (options.shuffle) out.check(H5Pset_shuffle(dcpl.get()), ds_object, "the shuffle filter");
        out.check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options.deflate_level)), ds_object,
                  "the deflate filter");
    }
    Hid space = io_detail::space_hid(H5Screate_simple(rank, dims, nullptr));
    Hid ds = out.check(io_detail::dataset_hid(H5Dcreate2(g, name, file_sample_type(options.storage), space.get(),
                                                         H5P_DEFAULT, dcpl.get(), H5P_DEFAULT)),
                       ds_object, "the sample dataset");

    if (options.storage == StorageType::int16 || options.storage == StorageType::int32) {
        // Symmetric scale and no offset, so that zero (the baseline) stays exactly zero.
        float peak = 0.0f;
        for (float x : r.samples) peak = std::max(peak, std::fabs(x));
        const double limit = options.storage == StorageType::int16 ? 32767.0 : 2147483647.0;
        const double scale = peak > 0.0f ? static_cast<double>(peak) / limit : 1.0;
        write_number_attr(out, ds.get(), ds_object, "scale", scale);
        if (options.storage == StorageType::int16) {
            write_integer_samples<std::int16_t>(out, ds.get(), ds_object, r, rows, columns, rank, scale);
        } else {
            write_integer_samples<std::int32_t>(out, ds.get(), ds_object, r, rows, columns, rank, scale);
        }
    } else {
        // HDF5 converts float to float64 itself, in bounded pieces.
        out.check(H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, r.samples.data()), ds_object,
                  "the samples");
    }
    if (sweeps) write_number_attr(out, ds.get(), ds_object, "pre_trigger_s", r.pre_trigger_s);
    ds.reset();

    std::vector<double> times;
    std::vector<double> intensity;
    bool any_intensity = false;
    for (const auto& s : r.stimuli) {
        times.push_back(s.time_s);
        intensity.push_back(s.intensity_ma);
        any_intensity = any_intensity || !std::isnan(s.intensity_ma);
    }
    if (!times.empty()) {
        const char* times_name = sweeps ? "sweep_times" : "stimuli";
        write_vector(out, g, object + "/" + times_name, times_name, times);
    }
    // Unknown intensities stay NaN beside known ones; none known writes no dataset.
    if (any_intensity) {
        write_vector(out, g, object + "/stimulus_intensity_ma", "stimulus_intensity_ma", intensity);
    }
    if (!r.markers.empty()) write_markers(out, g, object + "/markers", r.markers);
}

void write_file(const Study& study, const std::string& temp, const std::string& shown, const WriteOptions& options) {
    const Out out(shown);
    Hid fapl = io_detail::plist_hid(H5Pcreate(H5P_FILE_ACCESS));
    H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
    Hid file = out.check(io_detail::file_hid(H5Fcreate(temp.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.get())), "",
                         "the file (creating " + temp + ")");
    const hid_t fh = file.get();
    write_string_attr(out, fh, "/", "edx_format", "edx-recording");
    {
        const long long version = 1;
        Hid space = io_detail::space_hid(H5Screate(H5S_SCALAR));
        Hid attr = out.check(io_detail::attr_hid(H5Acreate2(fh, "edx_format_version", H5T_STD_I64LE, space.get(),
                                                            H5P_DEFAULT, H5P_DEFAULT)),
                             "/", "attribute edx_format_version");
        out.check(H5Awrite(attr.get(), H5T_NATIVE_LLONG, &version), "/", "attribute edx_format_version");
    }
    if (!study.subject_id.empty()) write_string_attr(out, fh, "/", "subject_id", study.subject_id);
    if (!study.session_start.empty()) write_string_attr(out, fh, "/", "session_start", study.session_start);
    write_measures(out, fh, "/", study.subject);
    if (study.clinical_findings_json) {
        Hid clinical = out.check(
            io_detail::group_hid(H5Gcreate2(fh, "clinical", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)), "/clinical",
            "the group");
        write_string_attr(out, clinical.get(), "/clinical", "findings", *study.clinical_findings_json);
    }
    if (study.results_json) write_results(out, fh, *study.results_json);
    Hid recordings = out.check(
        io_detail::group_hid(H5Gcreate2(fh, "recordings", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)), "/recordings",
        "the group");
    for (const auto& r : study.recordings) write_recording(out, recordings.get(), r, options);
    recordings.reset();
    out.check(H5Fflush(fh, H5F_SCOPE_GLOBAL), "", "the file (flush)");
    if (!file.close()) out.fail("", "the file (close)");

    // The bytes must be on disk before the rename makes them the file.
    const int fd = ::open(temp.c_str(), O_RDONLY);
    if (fd < 0 || ::fsync(fd) != 0) {
        if (fd >= 0) ::close(fd);
        throw InputError(shown, "", "cannot write the file (fsync of " + temp + " failed)");
    }
    ::close(fd);
}

std::filesystem::path temporary_beside(const std::filesystem::path& file) {
    std::random_device device;
    std::string name = ".";
    name += file.filename().string();
    name += ".tmp-";
    name += std::to_string(::getpid());
    name += "-";
    name += std::to_string(device());
    return file.parent_path() / name;
}

}  // namespace

void write_study(const Study& study, const std::filesystem::path& file, const WriteOptions& options) {
    check_options(options);
    check_study(study, options);
    io_detail::ErrorPrintingOff quiet;
    const std::string shown = file.string();
    if (file.filename().empty()) throw InputError(shown, "", "cannot write: the path names no file");
    const std::filesystem::path temp = temporary_beside(file);
    try {
        write_file(study, temp.string(), shown, options);
        std::error_code ec;
        std::filesystem::rename(temp, file, ec);
        if (ec) {
            throw InputError(shown, "", "cannot write the file (rename from " + temp.string() + ": " + ec.message() + ")");
        }
        // Make the rename itself durable; a failure here leaves a complete file, so it is not an error.
        const std::filesystem::path dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
        const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
        if (fd >= 0) {
            ::fsync(fd);
            ::close(fd);
        }
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        throw;
    }
}

}  // namespace edx
