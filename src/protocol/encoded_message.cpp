#include "parley/protocol/encoded_message.hpp"

namespace parley {

void encoded_message::append_to(std::string& out) const {
  out += before();
  out += middle();
  out += after();
}

}  // namespace parley
