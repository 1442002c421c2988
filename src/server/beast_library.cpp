// Boost.Asio and Boost.Beast in separate-compilation mode: their
// implementation is compiled once, here, instead of in every source file
// that includes them. This keeps the sanitizer build and CI quick.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
