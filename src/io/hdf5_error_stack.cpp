#include "hdf5_error_stack.hpp"

namespace edx::io_detail {

ErrorPrintingOff::ErrorPrintingOff() noexcept {
    saved_ = H5Eget_auto2(H5E_DEFAULT, &previous_func_, &previous_data_) >= 0;
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

ErrorPrintingOff::~ErrorPrintingOff() {
    if (saved_) H5Eset_auto2(H5E_DEFAULT, previous_func_, previous_data_);
}

namespace {
herr_t take_first(unsigned n, const H5E_error2_t* entry, void* out) {
    if (n == 0 && entry->desc != nullptr) *static_cast<std::string*>(out) = entry->desc;
    return 0;
}
}  // namespace

std::string innermost_hdf5_error() {
    std::string message;
    // Walking upward starts at the function that detected the error.
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_first, &message);
    return message;
}

}  // namespace edx::io_detail
