#include "io/hdf5_test_file.hpp"

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

namespace edx::test {

namespace {

void check(herr_t status, const std::string& what) {
    if (status < 0) throw std::runtime_error("test fixture: HDF5 refused " + what);
}

hid_t check_id(hid_t id, const std::string& what) {
    if (id < 0) throw std::runtime_error("test fixture: HDF5 refused " + what);
    return id;
}

hid_t string_type(StringForm form, H5T_cset_t cset, std::size_t length) {
    const hid_t type = H5Tcopy(H5T_C_S1);
    if (form == StringForm::variable) {
        H5Tset_size(type, H5T_VARIABLE);
    } else {
        // Room for the text, plus the terminator NULLTERM needs, plus some padding to strip.
        H5Tset_size(type, length + 3);
        H5Tset_strpad(type, form == StringForm::fixed_nullterm  ? H5T_STR_NULLTERM
                            : form == StringForm::fixed_nullpad ? H5T_STR_NULLPAD
                                                                : H5T_STR_SPACEPAD);
    }
    H5Tset_cset(type, cset);
    return type;
}

std::vector<char> fixed_bytes(const std::string& text, std::size_t size, StringForm form) {
    std::vector<char> bytes(size, form == StringForm::fixed_spacepad ? ' ' : '\0');
    std::memcpy(bytes.data(), text.data(), text.size());
    return bytes;
}

}  // namespace

template <> hid_t native_type_of<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t native_type_of<double>() { return H5T_NATIVE_DOUBLE; }
template <> hid_t native_type_of<std::int8_t>() { return H5T_NATIVE_INT8; }
template <> hid_t native_type_of<std::uint8_t>() { return H5T_NATIVE_UINT8; }
template <> hid_t native_type_of<std::int16_t>() { return H5T_NATIVE_INT16; }
template <> hid_t native_type_of<std::uint16_t>() { return H5T_NATIVE_UINT16; }
template <> hid_t native_type_of<std::int32_t>() { return H5T_NATIVE_INT32; }
template <> hid_t native_type_of<std::int64_t>() { return H5T_NATIVE_INT64; }

TempDir::TempDir() {
    std::random_device device;
    path_ = std::filesystem::temp_directory_path() /
            ("edx-test-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

Hdf5TestFile::Hdf5TestFile(const std::filesystem::path& path) {
    file_ = check_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "creating " + path.string());
}

Hdf5TestFile::~Hdf5TestFile() { close(); }

void Hdf5TestFile::close() {
    if (file_ >= 0) H5Fclose(file_);
    file_ = H5I_INVALID_HID;
}

void Hdf5TestFile::group(const std::string& path) {
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    const hid_t g = check_id(H5Gcreate2(file_, path.c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT), "group " + path);
    H5Gclose(g);
    H5Pclose(lcpl);
}

void Hdf5TestFile::remove(const std::string& path) { check(H5Ldelete(file_, path.c_str(), H5P_DEFAULT), "unlink " + path); }

void Hdf5TestFile::remove_attr(const std::string& object, const std::string& name) {
    check(H5Adelete_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT), "delete attr " + name);
}

void Hdf5TestFile::string_attr(const std::string& object, const std::string& name, const std::string& value,
                               StringForm form, H5T_cset_t cset) {
    if (H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0) remove_attr(object, name);
    const hid_t type = string_type(form, cset, value.size());
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t attr = check_id(
        H5Acreate_by_name(file_, object.c_str(), name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        "attr " + name);
    if (form == StringForm::variable) {
        const char* text = value.c_str();
        check(H5Awrite(attr, type, &text), "attr " + name);
    } else {
        const auto bytes = fixed_bytes(value, H5Tget_size(type), form);
        check(H5Awrite(attr, type, bytes.data()), "attr " + name);
    }
    H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
}

void Hdf5TestFile::number_attr(const std::string& object, const std::string& name, double value, hid_t file_type,
                               hsize_t count) {
    if (H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0) remove_attr(object, name);
    const hid_t space = count > 0 ? H5Screate_simple(1, &count, nullptr) : H5Screate(H5S_SCALAR);
    const hid_t attr = check_id(H5Acreate_by_name(file_, object.c_str(), name.c_str(), file_type, space, H5P_DEFAULT,
                                                  H5P_DEFAULT, H5P_DEFAULT),
                                "attr " + name);
    std::vector<double> values(count > 0 ? count : 1, value);
    check(H5Awrite(attr, H5T_NATIVE_DOUBLE, values.data()), "attr " + name);
    H5Aclose(attr);
    H5Sclose(space);
}

void Hdf5TestFile::write_dataset(const std::string& path, const std::vector<hsize_t>& shape, const void* values,
                                 hid_t memory_type, hid_t file_type, const DatasetOptions& o) {
    const int rank = static_cast<int>(shape.size());
    const hid_t space = H5Screate_simple(rank, shape.data(), nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (!o.chunk.empty()) check(H5Pset_chunk(dcpl, rank, o.chunk.data()), "chunk");
    if (o.compact) check(H5Pset_layout(dcpl, H5D_COMPACT), "compact");
    if (o.shuffle) check(H5Pset_shuffle(dcpl), "shuffle");
    if (o.nbit) check(H5Pset_nbit(dcpl), "nbit");
    if (o.scaleoffset_int >= 0) check(H5Pset_scaleoffset(dcpl, H5Z_SO_INT, o.scaleoffset_int), "scaleoffset");
    if (o.scaleoffset_float_decimals >= 0) {
        check(H5Pset_scaleoffset(dcpl, H5Z_SO_FLOAT_DSCALE, o.scaleoffset_float_decimals), "scaleoffset");
    }
    if (o.szip) check(H5Pset_szip(dcpl, H5_SZIP_NN_OPTION_MASK, 8), "szip");
    if (o.deflate >= 0) check(H5Pset_deflate(dcpl, static_cast<unsigned>(o.deflate)), "deflate");
    if (o.fletcher32) check(H5Pset_fletcher32(dcpl), "fletcher32");
    if (o.unavailable_filter != 0) {
        check(H5Pset_filter(dcpl, static_cast<H5Z_filter_t>(o.unavailable_filter), H5Z_FLAG_OPTIONAL, 0, nullptr),
              "unavailable filter");
    }
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    const hid_t ds = check_id(H5Dcreate2(file_, path.c_str(), file_type, space, lcpl, dcpl, H5P_DEFAULT),
                              "dataset " + path);
    hsize_t total = 1;
    for (hsize_t d : shape) total *= d;
    if (total > 0) check(H5Dwrite(ds, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), "write " + path);
    H5Dclose(ds);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
}

void Hdf5TestFile::string_dataset(const std::string& path, const std::vector<std::string>& values) {
    const hid_t type = string_type(StringForm::variable, H5T_CSET_UTF8, 0);
    std::vector<const char*> pointers;
    for (const auto& v : values) pointers.push_back(v.c_str());
    write_dataset(path, {values.size()}, pointers.data(), type, type, {});
    H5Tclose(type);
}

void Hdf5TestFile::markers(const std::string& path, const std::vector<std::pair<double, std::string>>& entries,
                           StringForm form) {
    std::size_t longest = 0;
    for (const auto& e : entries) longest = std::max(longest, e.second.size());
    const hid_t label = string_type(form, H5T_CSET_UTF8, longest);
    const std::size_t label_size = H5Tget_size(label);
    const std::size_t record = 8 + label_size;
    const hid_t type = H5Tcreate(H5T_COMPOUND, record);
    H5Tinsert(type, "time_s", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert(type, "label", 8, label);
    std::vector<unsigned char> buffer(entries.size() * record);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        unsigned char* at = buffer.data() + i * record;
        std::memcpy(at, &entries[i].first, 8);
        if (form == StringForm::variable) {
            const char* text = entries[i].second.c_str();
            std::memcpy(at + 8, &text, sizeof text);
        } else {
            const auto bytes = fixed_bytes(entries[i].second, label_size, form);
            std::memcpy(at + 8, bytes.data(), label_size);
        }
    }
    write_dataset(path, {entries.size()}, buffer.data(), type, type, {});
    H5Tclose(type);
    H5Tclose(label);
}

void overwrite_bytes(const std::filesystem::path& file, std::uint64_t offset, const std::string& bytes) {
    std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
    stream.seekp(static_cast<std::streamoff>(offset));
    stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!stream) throw std::runtime_error("test fixture: cannot overwrite bytes of " + file.string());
}

std::uint64_t data_address(const std::filesystem::path& file, const std::string& dataset) {
    const hid_t f = check_id(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open " + file.string());
    const hid_t ds = check_id(H5Dopen2(f, dataset.c_str(), H5P_DEFAULT), "open " + dataset);
    const hid_t dcpl = H5Dget_create_plist(ds);
    haddr_t address = HADDR_UNDEF;
    if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
        const hid_t space = H5Dget_space(ds);
        hsize_t offset[2] = {};
        unsigned mask = 0;
        hsize_t size = 0;
        check(H5Dget_chunk_info(ds, space, 0, offset, &mask, &address, &size), "chunk info");
        H5Sclose(space);
    } else {
        address = H5Dget_offset(ds);
    }
    H5Pclose(dcpl);
    H5Dclose(ds);
    H5Fclose(f);
    if (address == HADDR_UNDEF) throw std::runtime_error("test fixture: no data address for " + dataset);
    return address;
}

}  // namespace edx::test
