// Ownership of HDF5 identifiers: every hid_t the io module opens is held by an
// Hid that closes it with the matching H5?close, so an exception thrown halfway
// through reading or writing a file leaks nothing and leaves no file open.
#pragma once

#include <hdf5.h>

#include <utility>

namespace edx::io_detail {

class Hid {
public:
    using Closer = herr_t (*)(hid_t);

    Hid() noexcept = default;
    Hid(hid_t id, Closer close) noexcept : id_(id), close_(close) {}
    ~Hid() { reset(); }
    Hid(Hid&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
    Hid& operator=(Hid&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = std::exchange(other.id_, H5I_INVALID_HID);
            close_ = other.close_;
        }
        return *this;
    }
    Hid(const Hid&) = delete;
    Hid& operator=(const Hid&) = delete;

    hid_t get() const noexcept { return id_; }
    // HDF5 calls return a negative id on failure.
    bool valid() const noexcept { return id_ >= 0; }
    explicit operator bool() const noexcept { return valid(); }

    // Closes now and reports whether closing succeeded; a file's close is where
    // HDF5 writes its last metadata, so writers must see that result.
    bool close() noexcept {
        if (id_ < 0) return true;
        const herr_t status = close_ ? close_(id_) : 0;
        id_ = H5I_INVALID_HID;
        return status >= 0;
    }
    void reset() noexcept { close(); }

private:
    hid_t id_ = H5I_INVALID_HID;
    Closer close_ = nullptr;
};

inline Hid file_hid(hid_t id) noexcept { return {id, H5Fclose}; }
inline Hid group_hid(hid_t id) noexcept { return {id, H5Gclose}; }
inline Hid dataset_hid(hid_t id) noexcept { return {id, H5Dclose}; }
inline Hid space_hid(hid_t id) noexcept { return {id, H5Sclose}; }
inline Hid type_hid(hid_t id) noexcept { return {id, H5Tclose}; }
inline Hid attr_hid(hid_t id) noexcept { return {id, H5Aclose}; }
inline Hid plist_hid(hid_t id) noexcept { return {id, H5Pclose}; }
inline Hid object_hid(hid_t id) noexcept { return {id, H5Oclose}; }

}  // namespace edx::io_detail
