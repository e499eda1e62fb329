// Test helper: writes arbitrary HDF5 files with the C API, including the
// forms the edx writer never produces (fixed-length and space-padded strings,
// big-endian samples, filters, wrong types and shapes), so the reader can be
// tested on what other programs write. Every call throws std::runtime_error
// when HDF5 refuses it, so a broken fixture never passes silently.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace edx::test {

// A directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

enum class StringForm { variable, fixed_nullterm, fixed_nullpad, fixed_spacepad };

struct DatasetOptions {
    std::vector<hsize_t> chunk;  // empty: contiguous (or compact if `compact`)
    bool compact = false;
    int deflate = -1;            // -1: no deflate
    bool shuffle = false;
    bool fletcher32 = false;
    bool nbit = false;
    int scaleoffset_int = -1;    // >= 0: H5Pset_scaleoffset(H5Z_SO_INT, value)
    int scaleoffset_float_decimals = -1;  // >= 0: H5Pset_scaleoffset(H5Z_SO_FLOAT_DSCALE, value)
    bool szip = false;
    unsigned unavailable_filter = 0;  // non-zero: an optional filter id HDF5 does not have
};

template <class T> hid_t native_type_of();

class Hdf5TestFile {
public:
    // Creates (truncates) the file.
    explicit Hdf5TestFile(const std::filesystem::path& path);
    ~Hdf5TestFile();
    Hdf5TestFile(const Hdf5TestFile&) = delete;
    Hdf5TestFile& operator=(const Hdf5TestFile&) = delete;

    hid_t id() const noexcept { return file_; }
    void close();

    void group(const std::string& path);
    void remove(const std::string& path);  // unlinks a group or dataset
    void remove_attr(const std::string& object, const std::string& name);

    void string_attr(const std::string& object, const std::string& name, const std::string& value,
                     StringForm form = StringForm::variable, H5T_cset_t cset = H5T_CSET_UTF8);
    // file_type: any numeric HDF5 type (H5T_IEEE_F64LE, H5T_STD_I64BE, ...); the
    // attribute is a scalar, or a 1-D array of `count` copies when count > 0.
    void number_attr(const std::string& object, const std::string& name, double value,
                     hid_t file_type = H5T_IEEE_F64LE, hsize_t count = 0);

    template <class T>
    void dataset(const std::string& path, const std::vector<hsize_t>& shape, const std::vector<T>& values,
                 hid_t file_type, const DatasetOptions& options = {}) {
        write_dataset(path, shape, values.data(), native_type_of<T>(), file_type, options);
    }
    void string_dataset(const std::string& path, const std::vector<std::string>& values);
    // Compound {time_s: float64, label: string} with the given label form.
    void markers(const std::string& path, const std::vector<std::pair<double, std::string>>& entries,
                 StringForm form = StringForm::variable);

private:
    void write_dataset(const std::string& path, const std::vector<hsize_t>& shape, const void* values,
                       hid_t memory_type, hid_t file_type, const DatasetOptions& options);
    hid_t file_ = H5I_INVALID_HID;
};

// Overwrites `count` bytes at `offset` of a closed file.
void overwrite_bytes(const std::filesystem::path& file, std::uint64_t offset, const std::string& bytes);
// Byte address in the file of the first chunk (or of the contiguous data) of a dataset.
std::uint64_t data_address(const std::filesystem::path& file, const std::string& dataset);

}  // namespace edx::test
