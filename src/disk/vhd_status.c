#include "vhd_status.h"

const char *vhd_status_message(vhd_status status)
{
    switch (status) {
    case VHD_OK:              return "success";
    case VHD_E_INVALID_SIZE:  return "the size must be a multiple of 512 bytes from 3 MiB to 2040 GiB";
    case VHD_E_EXISTS:        return "a file, folder or link already exists at this path";
    case VHD_E_NOT_FOUND:     return "the file or a folder on its path does not exist";
    case VHD_E_NOT_DIRECTORY: return "a component of the path is not a folder";
    case VHD_E_ACCESS:        return "access denied or read-only location";
    case VHD_E_NO_SPACE:      return "not enough space on the volume";
    case VHD_E_TOO_LARGE:     return "the file system cannot hold a file that large";
    case VHD_E_INVALID_PATH:  return "the path is not valid";
    case VHD_E_NO_MEMORY:     return "out of memory";
    case VHD_E_IO:            return "input/output error";
    case VHD_E_CANCELLED:     return "the operation was cancelled";
    case VHD_E_NOT_SUPPORTED: return "the file system does not support this operation";
    case VHD_E_IN_USE:        return "the file is in use by another process";
    case VHD_E_END_OF_FILE:   return "the file ends before the data it should hold";
    }
    return "unknown error";
}
