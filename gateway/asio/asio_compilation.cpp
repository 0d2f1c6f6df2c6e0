// Boost.Asio, Asio's SSL layer and Beast are compiled once here instead of in every translation
// unit that uses them (BOOST_*_SEPARATE_COMPILATION, set on the cxgw_asio target).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
