/// \file version.hpp
/// \brief `pageprep --version`: our version, the libraries', and CUDA's state.
#pragma once

#include <string>

namespace pageprep::host {

std::string version_string();

}  // namespace pageprep::host
