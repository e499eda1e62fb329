// HDF5 reports failures on its own error stack and, by default, prints that
// stack to stderr. The io module silences the printing while it works (the
// caller gets one InputError instead) and quotes the innermost HDF5 message in
// that error, since it is the one that says what was actually found.
#pragma once

#include <hdf5.h>

#include <string>

namespace edx::io_detail {

// Turns HDF5's automatic error printing off for its lifetime and restores the
// previous handler afterwards, so a host application's own setting survives.
class ErrorPrintingOff {
public:
    ErrorPrintingOff() noexcept;
    ~ErrorPrintingOff();
    ErrorPrintingOff(const ErrorPrintingOff&) = delete;
    ErrorPrintingOff& operator=(const ErrorPrintingOff&) = delete;

private:
    H5E_auto2_t previous_func_ = nullptr;
    void* previous_data_ = nullptr;
    bool saved_ = false;
};

// The description of the innermost entry of the current thread's HDF5 error
// stack (where the library detected the problem), or "" when it is empty.
std::string innermost_hdf5_error();

}  // namespace edx::io_detail
