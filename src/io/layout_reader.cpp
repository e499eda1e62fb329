#include "edx/io/layout_reader.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "edx/io/input_error.hpp"
#include "hdf5_error_stack.hpp"
#include "hdf5_handle.hpp"
#include "edx/io/non_finite_report.hpp"

namespace edx {

using io_detail::Hid;

namespace {

constexpr const char* kFormatName = "edx-recording";
constexpr long long kFormatVersion = 1;

std::string number_text(double value) {
    std::ostringstream out;
    out.precision(12);
    out << value;
    return out.str();
}

std::string in_quotes(std::string_view text) {
    std::string quoted(1, '\'');
    quoted.append(text);
    quoted.push_back('\'');
    return quoted;
}

// Where an error is: the file and the HDF5 path of the object. Every rule
// broken inside the file is reported through one of these.
class Where {
public:
    Where(const std::string& file, std::string object) : file_(file), object_(std::move(object)) {}

    [[noreturn]] void fail(const std::string& rule) const { throw InputError(file_, object_, rule); }
    // An HDF5 call failed on something the layout's rules had already accepted:
    // the bytes themselves are missing or wrong.
    [[noreturn]] void fail_damaged(const std::string& what) const {
        std::string rule = what + ": the file is truncated or damaged";
        const std::string detail = io_detail::innermost_hdf5_error();
        if (!detail.empty()) rule += " (HDF5: " + detail + ")";
        fail(rule);
    }
    Where child(std::string_view name) const {
        return {file_, object_ == "/" ? "/" + std::string(name) : object_ + "/" + std::string(name)};
    }
    const std::string& file() const noexcept { return file_; }
    const std::string& object() const noexcept { return object_; }

private:
    const std::string& file_;
    std::string object_;
};

bool link_exists(hid_t loc, const char* name) { return H5Lexists(loc, name, H5P_DEFAULT) > 0; }

bool attr_exists(hid_t obj, const char* name) { return H5Aexists(obj, name) > 0; }

// Opens `name` under `loc`; the layout says whether a group or a dataset belongs there.
Hid open_member(hid_t loc, const std::string& name, H5I_type_t expected, const Where& where) {
    if (H5Oexists_by_name(loc, name.c_str(), H5P_DEFAULT) <= 0) {
        where.fail("is a link to an object that does not exist (a dangling soft or external link)");
    }
    Hid object = io_detail::object_hid(H5Oopen(loc, name.c_str(), H5P_DEFAULT));
    if (!object) where.fail_damaged("cannot open the object");
    const H5I_type_t type = H5Iget_type(object.get());
    if (type != expected) {
        const char* found = type == H5I_GROUP ? "a group" : type == H5I_DATASET ? "a dataset" : "a named datatype";
        where.fail(std::string("must be ") + (expected == H5I_GROUP ? "a group" : "a dataset") + ", found " + found +
                   (expected == H5I_GROUP && where.object().rfind("/recordings/", 0) == 0 &&
                            where.object().find('/', 12) == std::string::npos
                        ? " (every member of /recordings is a recording group)"
                        : ""));
    }
    return object;
}

// HDF5 type names as a user of h5py or MATLAB would say them.
std::string type_name(hid_t type) {
    const std::size_t size = H5Tget_size(type);
    switch (H5Tget_class(type)) {
        case H5T_INTEGER:
            return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(8 * size);
        case H5T_FLOAT: return "float" + std::to_string(8 * size);
        case H5T_STRING: return "string";
        case H5T_COMPOUND: return "compound";
        case H5T_ENUM: return "enum";
        case H5T_BITFIELD: return "bitfield";
        case H5T_OPAQUE: return "opaque";
        case H5T_REFERENCE: return "reference";
        case H5T_VLEN: return "variable-length sequence";
        case H5T_ARRAY: return "array";
        case H5T_TIME: return "time";
        default: return "unknown type";
    }
}

// Fixed-length strings end at the first NUL; HDF5 has already turned space
// padding into NULs when converting into a NULLPAD memory type.
std::string from_fixed(const char* text, std::size_t size) {
    const void* nul = std::memchr(text, '\0', size);
    return {text, nul ? static_cast<std::size_t>(static_cast<const char*>(nul) - text) : size};
}

// A memory string type HDF5 can convert the file's string type into. HDF5
// converts between fixed-length strings of any padding but not between fixed
// and variable length, nor between character sets, so both are kept.
Hid memory_string_type(hid_t file_type) {
    Hid mem = io_detail::type_hid(H5Tcopy(H5T_C_S1));
    if (H5Tis_variable_str(file_type) > 0) {
        H5Tset_size(mem.get(), H5T_VARIABLE);
    } else {
        H5Tset_size(mem.get(), H5Tget_size(file_type));
        H5Tset_strpad(mem.get(), H5T_STR_NULLPAD);
    }
    H5Tset_cset(mem.get(), H5Tget_cset(file_type));
    return mem;
}

// Attributes are single values; MATLAB writes them as 1x1 arrays, h5py as scalars.
Hid open_single_attr(hid_t obj, const char* name, const Where& where) {
    Hid attr = io_detail::attr_hid(H5Aopen(obj, name, H5P_DEFAULT));
    if (!attr) where.fail_damaged(std::string("cannot open attribute ") + name);
    Hid space = io_detail::space_hid(H5Aget_space(attr.get()));
    const hssize_t points = H5Sget_simple_extent_npoints(space.get());
    if (points != 1) {
        where.fail(std::string("attribute ") + name + " must hold a single value, found " +
                   std::to_string(std::max<hssize_t>(points, 0)) + " values");
    }
    return attr;
}

std::string read_string_attr(hid_t obj, const char* name, const Where& where) {
    Hid attr = open_single_attr(obj, name, where);
    Hid file_type = io_detail::type_hid(H5Aget_type(attr.get()));
    if (H5Tget_class(file_type.get()) != H5T_STRING) {
        where.fail(std::string("attribute ") + name + " must be a string, found " + type_name(file_type.get()));
    }
    Hid mem = memory_string_type(file_type.get());
    if (H5Tis_variable_str(file_type.get()) > 0) {
        char* text = nullptr;
        if (H5Aread(attr.get(), mem.get(), &text) < 0) where.fail_damaged(std::string("cannot read attribute ") + name);
        std::string value = text ? text : "";
        Hid space = io_detail::space_hid(H5Aget_space(attr.get()));
        H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, &text);
        return value;
    }
    std::vector<char> buffer(H5Tget_size(file_type.get()));
    if (H5Aread(attr.get(), mem.get(), buffer.data()) < 0) {
        where.fail_damaged(std::string("cannot read attribute ") + name);
    }
    return from_fixed(buffer.data(), buffer.size());
}

// Float attributes: integers are accepted too (h5py writes a Python int as
// int64, and a sample rate of 20000 is as precise as 20000.0).
double read_number_attr(hid_t obj, const char* name, const Where& where) {
    Hid attr = open_single_attr(obj, name, where);
    Hid file_type = io_detail::type_hid(H5Aget_type(attr.get()));
    const H5T_class_t cls = H5Tget_class(file_type.get());
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
        where.fail(std::string("attribute ") + name + " must be a number, found " + type_name(file_type.get()));
    }
    double value = 0.0;
    if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) {
        where.fail_damaged(std::string("cannot read attribute ") + name);
    }
    return value;
}

// /results/document: the scalar string dataset `edx analyze` writes.
std::string read_results_document(hid_t fh, const Where& where) {
    Hid dataset = io_detail::dataset_hid(H5Dopen2(fh, "results/document", H5P_DEFAULT));
    if (!dataset) where.fail("a /results group must hold the string dataset document");
    Hid file_type = io_detail::type_hid(H5Dget_type(dataset.get()));
    Hid space = io_detail::space_hid(H5Dget_space(dataset.get()));
    if (H5Tget_class(file_type.get()) != H5T_STRING || H5Tis_variable_str(file_type.get()) <= 0 ||
        H5Sget_simple_extent_npoints(space.get()) != 1) {
        where.fail("must be one variable-length string");
    }
    Hid mem = memory_string_type(file_type.get());
    char* text = nullptr;
    if (H5Dread(dataset.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) < 0) where.fail_damaged("cannot read");
    std::string document = text ? text : "";
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, &text);
    if (!nlohmann::json::accept(document)) where.fail("is not a valid JSON document");
    return document;
}

std::optional<std::string> optional_string_attr(hid_t obj, const char* name, const Where& where) {
    if (!attr_exists(obj, name)) return std::nullopt;
    return read_string_attr(obj, name, where);
}

std::optional<double> optional_number_attr(hid_t obj, const char* name, const Where& where) {
    if (!attr_exists(obj, name)) return std::nullopt;
    return read_number_attr(obj, name, where);
}

SubjectMeasures read_measures(hid_t obj, const Where& where) {
    SubjectMeasures m;
    auto positive = [&](const char* name) -> std::optional<double> {
        auto value = optional_number_attr(obj, name, where);
        if (value && !(std::isfinite(*value) && *value > 0.0)) {
            where.fail(std::string("attribute ") + name + " must be > 0 and finite, got " + number_text(*value));
        }
        return value;
    };
    m.height_cm = positive("subject_height_cm");
    m.leg_length_cm = positive("leg_length_cm");
    m.age_years = optional_number_attr(obj, "subject_age_years", where);
    if (m.age_years && !(std::isfinite(*m.age_years) && *m.age_years >= 0.0)) {
        where.fail("attribute subject_age_years must be >= 0 and finite, got " + number_text(*m.age_years));
    }
    return m;
}

// A one-dimensional numeric dataset (times, intensities), read whole: these
// hold one value per stimulus or sweep, never per sample.
std::vector<double> read_numeric_vector(hid_t group, const char* name, const Where& where) {
    Hid ds = open_member(group, name, H5I_DATASET, where);
    Hid type = io_detail::type_hid(H5Dget_type(ds.get()));
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) where.fail("must be numeric (float64), found " + type_name(type.get()));
    Hid space = io_detail::space_hid(H5Dget_space(ds.get()));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank != 1) where.fail("must be one-dimensional, found rank " + std::to_string(rank));
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space.get(), &n, nullptr);
    if (n == 0) where.fail("dataset is empty; leave an optional dataset out rather than write it empty");
    std::vector<double> values(static_cast<std::size_t>(n));
    if (H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
        where.fail_damaged("cannot read the values");
    }
    return values;
}

std::vector<Marker> read_markers(hid_t group, const Where& where) {
    Hid ds = open_member(group, "markers", H5I_DATASET, where);
    Hid type = io_detail::type_hid(H5Dget_type(ds.get()));
    const std::string shape_rule = "markers must be a one-dimensional compound {time_s: float64, label: string}";
    if (H5Tget_class(type.get()) != H5T_COMPOUND) where.fail(shape_rule + ", found " + type_name(type.get()));
    const int time_index = H5Tget_member_index(type.get(), "time_s");
    const int label_index = H5Tget_member_index(type.get(), "label");
    if (time_index < 0) where.fail(shape_rule + "; member time_s is missing");
    if (label_index < 0) where.fail(shape_rule + "; member label is missing");
    Hid time_type = io_detail::type_hid(H5Tget_member_type(type.get(), static_cast<unsigned>(time_index)));
    Hid label_type = io_detail::type_hid(H5Tget_member_type(type.get(), static_cast<unsigned>(label_index)));
    const H5T_class_t time_class = H5Tget_class(time_type.get());
    if (time_class != H5T_FLOAT && time_class != H5T_INTEGER) {
        where.fail(shape_rule + "; member time_s is " + type_name(time_type.get()));
    }
    if (H5Tget_class(label_type.get()) != H5T_STRING) {
        where.fail(shape_rule + "; member label is " + type_name(label_type.get()));
    }
    Hid space = io_detail::space_hid(H5Dget_space(ds.get()));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank != 1) where.fail(shape_rule + "; found rank " + std::to_string(rank));
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space.get(), &n, nullptr);
    if (n == 0) where.fail("dataset is empty; leave an optional dataset out rather than write it empty");

    const bool variable = H5Tis_variable_str(label_type.get()) > 0;
    Hid label_mem = memory_string_type(label_type.get());
    const std::size_t label_bytes = variable ? sizeof(char*) : H5Tget_size(label_type.get());
    // Packed record: the time, then the label (a pointer or the fixed bytes).
    const std::size_t record = sizeof(double) + label_bytes;
    Hid mem = io_detail::type_hid(H5Tcreate(H5T_COMPOUND, record));
    H5Tinsert(mem.get(), "time_s", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert(mem.get(), "label", sizeof(double), label_mem.get());
    std::vector<unsigned char> buffer(static_cast<std::size_t>(n) * record);
    if (H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0) {
        where.fail_damaged("cannot read the markers");
    }
    std::vector<Marker> markers(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < markers.size(); ++i) {
        const unsigned char* at = buffer.data() + i * record;
        std::memcpy(&markers[i].time_s, at, sizeof(double));
        if (variable) {
            char* text = nullptr;
            std::memcpy(&text, at + sizeof(double), sizeof(char*));
            markers[i].label = text ? text : "";
        } else {
            markers[i].label = from_fixed(reinterpret_cast<const char*>(at + sizeof(double)), label_bytes);
        }
    }
    if (variable) H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, buffer.data());

    for (std::size_t i = 0; i < markers.size(); ++i) {
        if (!std::isfinite(markers[i].time_s)) {
            where.fail("marker " + std::to_string(i) + " has a time_s that is not finite (" +
                       number_text(markers[i].time_s) + ")");
        }
        if (i > 0 && markers[i].time_s < markers[i - 1].time_s) {
            where.fail("markers must be sorted by time_s: marker " + std::to_string(i) + " at " +
                       number_text(markers[i].time_s) + " s comes after marker " + std::to_string(i - 1) + " at " +
                       number_text(markers[i - 1].time_s) + " s");
        }
    }
    return markers;
}

enum class RawType { f32, f64, i16, i32 };

std::size_t raw_size(RawType raw) {
    switch (raw) {
        case RawType::f32: return 4;
        case RawType::f64: return 8;
        case RawType::i16: return 2;
        case RawType::i32: return 4;
    }
    return 4;
}

hid_t raw_memory_type(RawType raw) {
    switch (raw) {
        case RawType::f32: return H5T_NATIVE_FLOAT;
        case RawType::f64: return H5T_NATIVE_DOUBLE;
        case RawType::i16: return H5T_NATIVE_INT16;
        case RawType::i32: return H5T_NATIVE_INT32;
    }
    return H5T_NATIVE_FLOAT;
}

std::string filter_text(H5Z_filter_t id, const char* name, const unsigned* cd, std::size_t cd_count) {
    switch (id) {
        case H5Z_FILTER_DEFLATE: return cd_count > 0 ? "deflate(" + std::to_string(cd[0]) + ")" : "deflate";
        case H5Z_FILTER_SHUFFLE: return "shuffle";
        case H5Z_FILTER_FLETCHER32: return "fletcher32";
        case H5Z_FILTER_SZIP: return "szip";
        case H5Z_FILTER_NBIT: return "nbit";
        case H5Z_FILTER_SCALEOFFSET: return "scaleoffset";
        default: break;
    }
    // Plug-in filters h5py and PyTables users meet, from the HDF Group's registry.
    const char* known = id == 305     ? "lzo"
                        : id == 307   ? "bzip2"
                        : id == 32000 ? "lzf"
                        : id == 32001 ? "blosc"
                        : id == 32004 ? "lz4"
                        : id == 32008 ? "bitshuffle"
                        : id == 32013 ? "zfp"
                        : id == 32015 ? "zstd"
                                      : nullptr;
    std::string text = name[0] ? name : known ? known : "unregistered";
    return text + " (id " + std::to_string(id) + ")";
}

// Everything needed to read a recording's samples, beside its header.
struct ParsedRecording {
    RecordingHeader header;
    std::string group_path;
    RawType raw = RawType::f32;
    std::size_t rank = 1;
    std::uint64_t rows = 0;     // frames (continuous) or sweeps
    std::uint64_t columns = 0;  // channels (continuous) or samples per sweep
    std::uint64_t chunk_rows = 0;     // 0 when not chunked
    std::uint64_t chunk_columns = 0;  // 0 when not chunked
    // canonical = raw * gain + bias
    double gain = 1.0;
    double bias = 0.0;
};

constexpr std::size_t kDefaultBlockBytes = std::size_t{8} << 20;
constexpr std::size_t kMaxChunkCacheBytes = std::size_t{32} << 20;

}  // namespace

double RecordingHeader::duration_s() const noexcept {
    if (!(info.sample_rate_hz > 0.0)) return 0.0;
    const double span_s = static_cast<double>(frames) / info.sample_rate_hz;
    if (form == SampleForm::continuous) return span_s;
    if (stimuli.empty()) return 0.0;
    return stimuli.back().time_s - pre_trigger_s + span_s;
}

struct LayoutReader::Impl {
    std::filesystem::path path;
    std::string file;  // as the caller named it, for messages
    Hid handle;
    Hid recordings;
    Study study;
    std::vector<std::string> names;

    void open();
    void read_root();
    ParsedRecording parse(std::string_view name) const;
    void read_samples(const ParsedRecording& parsed, std::size_t max_rows,
                      const std::function<float*(std::uint64_t first_row, std::size_t rows)>& destination,
                      const std::function<void(std::uint64_t first_row, std::size_t rows, const float*)>& done,
                      NonFiniteCounter* counter) const;
};

void LayoutReader::Impl::open() {
    const Where where(file, "");
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) where.fail("cannot open: no such file");
    if (std::filesystem::is_directory(status)) where.fail("cannot open: this is a directory, not a file");
    if (!std::ifstream(path, std::ios::binary)) where.fail("cannot open for reading (permission denied?)");
    if (std::filesystem::file_size(path, ec) == 0) where.fail("not an HDF5 file: the file is empty");

    const htri_t is_hdf5 = H5Fis_hdf5(file.c_str());
    if (is_hdf5 == 0) where.fail("not an HDF5 file: no HDF5 signature found");

    Hid fapl = io_detail::plist_hid(H5Pcreate(H5P_FILE_ACCESS));
    // Every object is closed by its owner; STRONG makes sure the file goes with them.
    H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
#if H5_VERSION_GE(1, 10, 7)
    // Reading needs no lock, and file systems without locking (some NFS) must still work.
    H5Pset_file_locking(fapl.get(), false, true);
#endif
    handle = io_detail::file_hid(H5Fopen(file.c_str(), H5F_ACC_RDONLY, fapl.get()));
    if (!handle) {
        const std::string detail = io_detail::innermost_hdf5_error();
        std::string rule = is_hdf5 > 0 ? "HDF5 cannot open the file: it is truncated or damaged"
                                       : "not an HDF5 file, or a truncated or damaged one";
        if (!detail.empty()) rule += " (HDF5: " + detail + ")";
        where.fail(rule);
    }
}

void LayoutReader::Impl::read_root() {
    const Where root(file, "/");
    const hid_t fh = handle.get();
    const std::string format_rule = "an edx recording file carries attribute edx_format = 'edx-recording'";
    if (!attr_exists(fh, "edx_format")) root.fail("required attribute edx_format is missing; " + format_rule);
    const std::string format = read_string_attr(fh, "edx_format", root);
    if (format != kFormatName) root.fail("attribute edx_format is " + in_quotes(format) + "; " + format_rule);

    if (!attr_exists(fh, "edx_format_version")) {
        root.fail("required attribute edx_format_version is missing (this reader reads version 1)");
    }
    {
        Hid attr = open_single_attr(fh, "edx_format_version", root);
        Hid type = io_detail::type_hid(H5Aget_type(attr.get()));
        if (H5Tget_class(type.get()) != H5T_INTEGER) {
            root.fail("attribute edx_format_version must be an integer, found " + type_name(type.get()));
        }
        long long version = 0;
        if (H5Aread(attr.get(), H5T_NATIVE_LLONG, &version) < 0) {
            root.fail_damaged("cannot read attribute edx_format_version");
        }
        if (version > kFormatVersion) {
            root.fail("format version " + std::to_string(version) +
                      " is not supported: this reader reads version 1 (a newer edx may read it)");
        }
        if (version < kFormatVersion) {
            root.fail("format version " + std::to_string(version) + " is unknown: versions start at 1");
        }
    }

    study.subject_id = optional_string_attr(fh, "subject_id", root).value_or("");
    study.session_start = optional_string_attr(fh, "session_start", root).value_or("");
    study.subject = read_measures(fh, root);

    if (link_exists(fh, "clinical")) {
        const Where clinical(file, "/clinical");
        Hid group = open_member(fh, "clinical", H5I_GROUP, clinical);
        if (!attr_exists(group.get(), "findings")) {
            clinical.fail("group /clinical must carry attribute findings (a JSON document)");
        }
        std::string findings = read_string_attr(group.get(), "findings", clinical);
        if (!nlohmann::json::accept(findings)) clinical.fail("attribute findings is not a valid JSON document");
        study.clinical_findings_json = std::move(findings);
    }

    if (link_exists(fh, "results")) study.results_json = read_results_document(fh, Where(file, "/results/document"));

    const Where recordings_where(file, "/recordings");
    if (!link_exists(fh, "recordings")) recordings_where.fail("required group /recordings is missing");
    recordings = open_member(fh, "recordings", H5I_GROUP, recordings_where);
    H5G_info_t info{};
    if (H5Gget_info(recordings.get(), &info) < 0) recordings_where.fail_damaged("cannot list the group");
    if (info.nlinks == 0) recordings_where.fail("holds no recording; at least one recording group is required");
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        const ssize_t length =
            H5Lget_name_by_idx(recordings.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
        if (length < 0) recordings_where.fail_damaged("cannot list the group");
        std::string name(static_cast<std::size_t>(length) + 1, '\0');
        H5Lget_name_by_idx(recordings.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(),
                           H5P_DEFAULT);
        name.resize(static_cast<std::size_t>(length));
        const Where member = recordings_where.child(name);
        open_member(recordings.get(), name, H5I_GROUP, member);  // closed at once; only the kind matters here
        names.push_back(std::move(name));
    }
}

ParsedRecording LayoutReader::Impl::parse(std::string_view name) const {
    const Where rec(file, "/recordings/" + std::string(name));
    if (std::find(names.begin(), names.end(), name) == names.end()) rec.fail("no such recording in the file");
    Hid group = io_detail::group_hid(H5Gopen2(recordings.get(), std::string(name).c_str(), H5P_DEFAULT));
    if (!group) rec.fail_damaged("cannot open the recording group");
    const hid_t g = group.get();

    ParsedRecording parsed;
    parsed.group_path = rec.object();
    RecordingHeader& h = parsed.header;
    RecordingInfo& info = h.info;
    info.name = std::string(name);

    if (!attr_exists(g, "kind")) rec.fail("required attribute kind is missing");
    const std::string kind_text = read_string_attr(g, "kind", rec);
    const auto kind = parse_recording_kind(kind_text);
    if (!kind) {
        rec.fail("attribute kind is " + in_quotes(kind_text) +
                 ", not one of h_reflex, f_wave, motor_ncs, sensory_ncs, needle_emg, surface_emg");
    }
    info.kind = *kind;

    if (!attr_exists(g, "sample_rate_hz")) rec.fail("required attribute sample_rate_hz is missing");
    info.sample_rate_hz = read_number_attr(g, "sample_rate_hz", rec);
    if (!(std::isfinite(info.sample_rate_hz) && info.sample_rate_hz > 0.0)) {
        rec.fail("attribute sample_rate_hz must be > 0 and finite, got " + number_text(info.sample_rate_hz));
    }

    if (!attr_exists(g, "units")) rec.fail("required attribute units is missing");
    const std::string units_text = read_string_attr(g, "units", rec);
    const auto stored_units = parse_units(units_text);
    if (!stored_units) rec.fail("attribute units is " + in_quotes(units_text) + ", not one of V, mV, uV");
    info.units = canonical_units(info.kind);

    info.muscle = optional_string_attr(g, "muscle", rec).value_or("");
    if (info.muscle.empty() && info.kind != RecordingKind::sensory_ncs) {
        rec.fail("attribute muscle is required for kind " + kind_text + " (only sensory_ncs may omit it)");
    }
    info.nerve = optional_string_attr(g, "nerve", rec).value_or("");
    info.side = optional_string_attr(g, "side", rec).value_or("");
    if (!info.side.empty() && info.side != "left" && info.side != "right") {
        rec.fail("attribute side is " + in_quotes(info.side) + ", not left or right");
    }
    info.stim_site = optional_string_attr(g, "stim_site", rec).value_or("");
    info.distance_mm = optional_number_attr(g, "distance_mm", rec);
    if (info.distance_mm && !(std::isfinite(*info.distance_mm) && *info.distance_mm > 0.0)) {
        rec.fail("attribute distance_mm must be > 0 and finite, got " + number_text(*info.distance_mm));
    }
    info.subject = read_measures(g, rec);

    const bool has_data = link_exists(g, "data");
    const bool has_sweeps = link_exists(g, "sweeps");
    if (has_data && has_sweeps) {
        rec.fail("holds both data and sweeps; a recording has exactly one sample form");
    }
    if (!has_data && !has_sweeps) {
        rec.fail("holds neither data (continuous form) nor sweeps (sweep form); one of them is required");
    }
    h.form = has_data ? SampleForm::continuous : SampleForm::sweeps;
    if (h.form == SampleForm::continuous && link_exists(g, "sweep_times")) {
        rec.child("sweep_times").fail("sweep_times belongs to the sweep form; this recording has data (continuous form)");
    }
    if (h.form == SampleForm::sweeps && link_exists(g, "stimuli")) {
        rec.child("stimuli").fail("stimuli belongs to the continuous form; the sweep form gives sweep_times");
    }

    // The sample dataset.
    const char* dataset_name = has_data ? "data" : "sweeps";
    const Where samples = rec.child(dataset_name);
    Hid ds = open_member(g, dataset_name, H5I_DATASET, samples);
    SampleStorageInfo& storage = h.storage;
    storage.dataset = dataset_name;
    storage.stored_units = *stored_units;
    {
        Hid type = io_detail::type_hid(H5Dget_type(ds.get()));
        const H5T_class_t cls = H5Tget_class(type.get());
        const std::size_t size = H5Tget_size(type.get());
        const std::string found = type_name(type.get());
        const std::string supported = "; samples must be float32, float64, int16 or int32";
        if (cls == H5T_FLOAT && (size == 4 || size == 8)) {
            parsed.raw = size == 4 ? RawType::f32 : RawType::f64;
        } else if (cls == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_2 && (size == 2 || size == 4)) {
            parsed.raw = size == 2 ? RawType::i16 : RawType::i32;
        } else {
            samples.fail("sample type " + found + " is not supported" + supported);
        }
        storage.type = found;
        storage.big_endian = H5Tget_order(type.get()) == H5T_ORDER_BE;
    }
    Hid space = io_detail::space_hid(H5Dget_space(ds.get()));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) samples.fail_damaged("cannot read the dataspace");
    if (h.form == SampleForm::continuous && rank != 1 && rank != 2) {
        samples.fail("data must be [n] or [n, channels], found rank " + std::to_string(rank));
    }
    if (h.form == SampleForm::sweeps && rank != 2) {
        samples.fail("sweeps must be [n_sweeps, n_samples], found rank " + std::to_string(rank));
    }
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    storage.shape.assign(dims.begin(), dims.end());
    for (hsize_t d : dims) {
        if (d == 0) samples.fail("dataset is empty: it holds no samples");
    }
    parsed.rank = static_cast<std::size_t>(rank);
    parsed.rows = dims[0];
    parsed.columns = rank == 2 ? dims[1] : 1;

    {
        Hid dcpl = io_detail::plist_hid(H5Dget_create_plist(ds.get()));
        if (H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
            std::vector<hsize_t> chunk(static_cast<std::size_t>(rank));
            H5Pget_chunk(dcpl.get(), rank, chunk.data());
            storage.chunk.assign(chunk.begin(), chunk.end());
            parsed.chunk_rows = chunk[0];
            parsed.chunk_columns = rank == 2 ? chunk[1] : 1;
        }
        const int nfilters = H5Pget_nfilters(dcpl.get());
        for (int i = 0; i < nfilters; ++i) {
            unsigned flags = 0;
            unsigned cd[8] = {};
            std::size_t cd_count = 8;
            char filter_name[128] = {};
            unsigned config = 0;
            const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &cd_count, cd,
                                                   sizeof filter_name, filter_name, &config);
            const std::string text = filter_text(id, filter_name, cd, std::min<std::size_t>(cd_count, 8));
            if (id < 0 || H5Zfilter_avail(id) <= 0) {
                samples.fail("filter " + text +
                             " is not available in this HDF5 library, so the samples cannot be decoded "
                             "(the layout allows the filters HDF5 ships: deflate, shuffle, fletcher32, szip, "
                             "nbit, scaleoffset)");
            }
            storage.filters.push_back(text);
        }
        storage.stored_bytes = H5Dget_storage_size(ds.get());
    }

    const bool integer = parsed.raw == RawType::i16 || parsed.raw == RawType::i32;
    const auto scale = optional_number_attr(ds.get(), "scale", samples);
    const auto offset = optional_number_attr(ds.get(), "offset", samples);
    if (integer && !scale) {
        samples.fail("integer samples (" + storage.type +
                     ") need attribute scale (physical = raw * scale + offset); it is missing");
    }
    if (scale && !(std::isfinite(*scale) && *scale != 0.0)) {
        samples.fail("attribute scale must be finite and non-zero, got " + number_text(*scale));
    }
    if (offset && !std::isfinite(*offset)) {
        samples.fail("attribute offset must be finite, got " + number_text(*offset));
    }
    storage.scale = scale.value_or(1.0);
    storage.offset = offset.value_or(0.0);
    const double to_canonical = conversion_factor(*stored_units, info.units);
    parsed.gain = storage.scale * to_canonical;
    parsed.bias = storage.offset * to_canonical;

    if (h.form == SampleForm::continuous) {
        h.frames = static_cast<std::size_t>(parsed.rows);
        h.channels = static_cast<std::size_t>(parsed.columns);
        h.sweep_count = 0;
        if (link_exists(g, "stimuli")) {
            const Where at = rec.child("stimuli");
            const std::vector<double> times = read_numeric_vector(g, "stimuli", at);
            const double duration = h.duration_s();
            for (std::size_t i = 0; i < times.size(); ++i) {
                if (!std::isfinite(times[i])) {
                    at.fail("stimulus " + std::to_string(i) + " time is not finite (" + number_text(times[i]) + ")");
                }
                if (i > 0 && !(times[i] > times[i - 1])) {
                    at.fail("stimuli must be strictly increasing: stimulus " + std::to_string(i) + " at " +
                            number_text(times[i]) + " s does not come after stimulus " + std::to_string(i - 1) +
                            " at " + number_text(times[i - 1]) + " s");
                }
            }
            for (std::size_t i = 0; i < times.size(); ++i) {
                if (times[i] < 0.0 || times[i] >= duration) {
                    at.fail("stimulus " + std::to_string(i) + " at " + number_text(times[i]) +
                            " s lies outside the recording (0 to " + number_text(duration) + " s)");
                }
            }
            for (double t : times) h.stimuli.push_back({t, std::numeric_limits<double>::quiet_NaN()});
        }
    } else {
        h.sweep_count = static_cast<std::size_t>(parsed.rows);
        h.frames = static_cast<std::size_t>(parsed.columns);
        h.channels = 1;
        const double sweep_s = static_cast<double>(h.frames) / info.sample_rate_hz;
        if (!attr_exists(ds.get(), "pre_trigger_s")) {
            samples.fail("required attribute pre_trigger_s is missing (it belongs on the sweeps dataset)");
        }
        h.pre_trigger_s = read_number_attr(ds.get(), "pre_trigger_s", samples);
        if (!std::isfinite(h.pre_trigger_s) || h.pre_trigger_s < 0.0) {
            samples.fail("attribute pre_trigger_s must be >= 0 and finite, got " + number_text(h.pre_trigger_s));
        }
        if (h.pre_trigger_s >= sweep_s) {
            samples.fail("attribute pre_trigger_s (" + number_text(h.pre_trigger_s) +
                         " s) must be shorter than a sweep (" + number_text(sweep_s) + " s)");
        }
        const Where at = rec.child("sweep_times");
        if (!link_exists(g, "sweep_times")) at.fail("required dataset sweep_times is missing (one time per sweep)");
        const std::vector<double> times = read_numeric_vector(g, "sweep_times", at);
        if (times.size() != h.sweep_count) {
            at.fail("sweep_times has " + std::to_string(times.size()) + " entries but sweeps holds " +
                    std::to_string(h.sweep_count) + " sweeps; there must be one time per sweep");
        }
        for (std::size_t i = 0; i < times.size(); ++i) {
            if (!std::isfinite(times[i]) || times[i] < 0.0) {
                at.fail("sweep time " + std::to_string(i) + " must be >= 0 and finite, got " + number_text(times[i]));
            }
            if (i > 0 && times[i] < times[i - 1]) {
                at.fail("sweep_times must be non-decreasing: sweep " + std::to_string(i) + " at " +
                        number_text(times[i]) + " s comes before sweep " + std::to_string(i - 1) + " at " +
                        number_text(times[i - 1]) + " s");
            }
        }
        for (double t : times) h.stimuli.push_back({t, std::numeric_limits<double>::quiet_NaN()});
    }

    if (link_exists(g, "stimulus_intensity_ma")) {
        const Where at = rec.child("stimulus_intensity_ma");
        if (h.form == SampleForm::continuous && h.stimuli.empty()) {
            at.fail("stimulus_intensity_ma is given but stimuli is missing");
        }
        const std::vector<double> intensity = read_numeric_vector(g, "stimulus_intensity_ma", at);
        if (intensity.size() != h.stimuli.size()) {
            at.fail("stimulus_intensity_ma has " + std::to_string(intensity.size()) + " entries but there are " +
                    std::to_string(h.stimuli.size()) +
                    (h.form == SampleForm::continuous ? " stimuli" : " sweeps") + "; the lengths must match");
        }
        for (std::size_t i = 0; i < intensity.size(); ++i) {
            // NaN marks an intensity that was not recorded.
            if (std::isinf(intensity[i]) || intensity[i] < 0.0) {
                at.fail("intensity " + std::to_string(i) + " must be >= 0 (or NaN when unknown), got " +
                        number_text(intensity[i]));
            }
            h.stimuli[i].intensity_ma = intensity[i];
        }
    }

    if (link_exists(g, "markers")) h.markers = read_markers(g, rec.child("markers"));
    return parsed;
}

namespace {

// raw -> canonical float; returns whether any result is not finite (those become NaN).
template <class T>
bool convert_block(const T* in, float* out, std::size_t n, double gain, double bias) {
    bool bad = false;
    if (gain == 1.0 && bias == 0.0) {
        // Keeps float32 samples bit-exact (including the sign of zero).
        for (std::size_t i = 0; i < n; ++i) {
            const float f = static_cast<float>(in[i]);
            bad |= !std::isfinite(f);
            out[i] = f;
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            const float f = static_cast<float>(static_cast<double>(in[i]) * gain + bias);
            bad |= !std::isfinite(f);
            out[i] = f;
        }
    }
    if (bad) {
        for (std::size_t i = 0; i < n; ++i) {
            if (!std::isfinite(out[i])) out[i] = std::numeric_limits<float>::quiet_NaN();
        }
    }
    return bad;
}

}  // namespace

void LayoutReader::Impl::read_samples(
    const ParsedRecording& parsed, std::size_t max_rows,
    const std::function<float*(std::uint64_t first_row, std::size_t rows)>& destination,
    const std::function<void(std::uint64_t first_row, std::size_t rows, const float*)>& done,
    NonFiniteCounter* counter) const {
    const Where samples(file, parsed.group_path + "/" + parsed.header.storage.dataset);
    const std::size_t columns = static_cast<std::size_t>(parsed.columns);
    const std::size_t value_bytes = raw_size(parsed.raw);

    // Blocks are whole bands of chunks, so each chunk is decoded once and HDF5
    // need not keep partly read chunks; a caller asking for fewer rows than a
    // chunk holds gets a cache sized for one band of chunks instead.
    std::uint64_t block_rows = max_rows;
    if (block_rows == 0) block_rows = std::max<std::uint64_t>(1, kDefaultBlockBytes / (columns * sizeof(float)));
    const std::uint64_t align = parsed.chunk_rows > 0 ? parsed.chunk_rows : 1;
    if (max_rows == 0) block_rows = std::max(align, block_rows / align * align);
    else if (block_rows >= align) block_rows = block_rows / align * align;
    block_rows = std::min(block_rows, parsed.rows);

    Hid dapl = io_detail::plist_hid(H5Pcreate(H5P_DATASET_ACCESS));
    if (parsed.chunk_rows > 0) {
        const std::uint64_t across = (parsed.columns + parsed.chunk_columns - 1) / parsed.chunk_columns;
        const std::uint64_t band = parsed.chunk_rows * parsed.chunk_columns * value_bytes * across;
        const std::size_t cache = static_cast<std::size_t>(std::min<std::uint64_t>(band, kMaxChunkCacheBytes));
        H5Pset_chunk_cache(dapl.get(), 12421, std::max<std::size_t>(cache, std::size_t{1} << 20), 1.0);
    }
    Hid group = io_detail::group_hid(H5Gopen2(handle.get(), parsed.group_path.c_str(), H5P_DEFAULT));
    if (!group) samples.fail_damaged("cannot open the recording group");
    Hid ds = io_detail::dataset_hid(H5Dopen2(group.get(), parsed.header.storage.dataset.c_str(), dapl.get()));
    if (!ds) samples.fail_damaged("cannot open the dataset");
    Hid file_space = io_detail::space_hid(H5Dget_space(ds.get()));

    const bool direct = parsed.raw == RawType::f32;  // read straight into the float output
    std::vector<unsigned char> raw(direct ? 0 : static_cast<std::size_t>(block_rows) * columns * value_bytes);

    for (std::uint64_t first = 0; first < parsed.rows; first += block_rows) {
        const std::size_t rows = static_cast<std::size_t>(std::min(block_rows, parsed.rows - first));
        const hsize_t start[2] = {first, 0};
        const hsize_t count[2] = {rows, columns};
        const int rank = static_cast<int>(parsed.rank);
        if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0) {
            samples.fail_damaged("cannot select rows");
        }
        Hid memory_space = io_detail::space_hid(H5Screate_simple(rank, count, nullptr));
        float* out = destination(first, rows);
        void* target = direct ? static_cast<void*>(out) : static_cast<void*>(raw.data());
        if (H5Dread(ds.get(), raw_memory_type(parsed.raw), memory_space.get(), file_space.get(), H5P_DEFAULT,
                    target) < 0) {
            samples.fail_damaged("samples of rows " + std::to_string(first) + " to " +
                                 std::to_string(first + rows - 1) + " cannot be read");
        }
        const std::size_t n = rows * columns;
        bool bad = false;
        switch (parsed.raw) {
            case RawType::f32: bad = convert_block(out, out, n, parsed.gain, parsed.bias); break;
            case RawType::f64:
                bad = convert_block(reinterpret_cast<const double*>(raw.data()), out, n, parsed.gain, parsed.bias);
                break;
            case RawType::i16:
                bad = convert_block(reinterpret_cast<const std::int16_t*>(raw.data()), out, n, parsed.gain,
                                    parsed.bias);
                break;
            case RawType::i32:
                bad = convert_block(reinterpret_cast<const std::int32_t*>(raw.data()), out, n, parsed.gain,
                                    parsed.bias);
                break;
        }
        if (bad && counter) {
            const bool sweeps = parsed.header.form == SampleForm::sweeps;
            for (std::size_t r = 0; r < rows; ++r) {
                for (std::size_t c = 0; c < columns; ++c) {
                    if (!std::isnan(out[r * columns + c])) continue;
                    if (sweeps) counter->add(first + r, c, 0);
                    else counter->add(0, first + r, static_cast<std::uint32_t>(c));
                }
            }
        }
        if (done) done(first, rows, out);
    }
}

LayoutReader::LayoutReader(const std::filesystem::path& file) : impl_(std::make_unique<Impl>()) {
    io_detail::ErrorPrintingOff quiet;
    impl_->path = file;
    impl_->file = file.string();
    impl_->open();
    impl_->read_root();
}

LayoutReader::~LayoutReader() {
    if (impl_) {
        io_detail::ErrorPrintingOff quiet;
        impl_.reset();
    }
}

LayoutReader::LayoutReader(LayoutReader&&) noexcept = default;
LayoutReader& LayoutReader::operator=(LayoutReader&&) noexcept = default;

const std::filesystem::path& LayoutReader::path() const noexcept { return impl_->path; }
const Study& LayoutReader::study_info() const noexcept { return impl_->study; }
const std::vector<std::string>& LayoutReader::recording_names() const noexcept { return impl_->names; }

RecordingHeader LayoutReader::header(std::string_view name) const {
    io_detail::ErrorPrintingOff quiet;
    return impl_->parse(name).header;
}

Recording LayoutReader::read(std::string_view name) const {
    io_detail::ErrorPrintingOff quiet;
    ParsedRecording parsed = impl_->parse(name);
    RecordingHeader& h = parsed.header;
    Recording r;
    r.form = h.form;
    r.channels = h.channels;
    r.frames = h.frames;
    r.sweep_count = h.sweep_count;
    r.pre_trigger_s = h.pre_trigger_s;
    const std::size_t columns = static_cast<std::size_t>(parsed.columns);
    r.samples.resize(static_cast<std::size_t>(parsed.rows) * columns);
    NonFiniteCounter counter(h.form == SampleForm::sweeps ? 1 : h.channels,
                                        h.form == SampleForm::sweeps);
    impl_->read_samples(
        parsed, 0, [&](std::uint64_t first, std::size_t) { return r.samples.data() + first * columns; }, {},
        &counter);
    r.non_finite = counter.take();
    r.info = std::move(h.info);
    r.stimuli = std::move(h.stimuli);
    r.markers = std::move(h.markers);
    return r;
}

Study LayoutReader::read_study() const {
    Study study = impl_->study;
    study.recordings.clear();
    for (const auto& name : impl_->names) study.recordings.push_back(read(name));
    return study;
}

void LayoutReader::scan(std::string_view name, std::size_t max_rows,
                        const std::function<void(const SampleBlock&)>& sink) const {
    io_detail::ErrorPrintingOff quiet;
    const ParsedRecording parsed = impl_->parse(name);
    std::vector<float> buffer;
    const std::size_t columns = static_cast<std::size_t>(parsed.columns);
    impl_->read_samples(
        parsed, max_rows,
        [&](std::uint64_t, std::size_t rows) {
            if (buffer.size() < rows * columns) buffer.resize(rows * columns);
            return buffer.data();
        },
        [&](std::uint64_t first, std::size_t rows, const float* data) {
            sink(SampleBlock{first, rows, columns, std::span<const float>(data, rows * columns)});
        },
        nullptr);
}

NonFiniteReport LayoutReader::scan_non_finite(std::string_view name) const {
    io_detail::ErrorPrintingOff quiet;
    const ParsedRecording parsed = impl_->parse(name);
    const RecordingHeader& h = parsed.header;
    NonFiniteCounter counter(h.form == SampleForm::sweeps ? 1 : h.channels, h.form == SampleForm::sweeps);
    std::vector<float> buffer;
    const std::size_t columns = static_cast<std::size_t>(parsed.columns);
    impl_->read_samples(
        parsed, 0,
        [&](std::uint64_t, std::size_t rows) {
            if (buffer.size() < rows * columns) buffer.resize(rows * columns);
            return buffer.data();
        },
        {}, &counter);
    return counter.take();
}

}  // namespace edx
