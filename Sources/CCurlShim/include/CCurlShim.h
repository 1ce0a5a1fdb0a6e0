#ifndef BACKDROP_CCURLSHIM_H
#define BACKDROP_CCURLSHIM_H
#include <curl/curl.h>

// curl_easy_setopt is variadic, so Swift cannot call it: one typed wrapper per value kind.
CURLcode backdrop_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode backdrop_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode backdrop_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode backdrop_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode backdrop_curl_setopt_read_function(CURL *handle,
    size_t (*callback)(char *buffer, size_t size, size_t count, void *userdata));
// CURLOPT_DEBUGFUNCTION (only called while CURLOPT_VERBOSE is 1); used to keep the server's replies.
CURLcode backdrop_curl_setopt_debug_function(CURL *handle, curl_debug_callback callback);
CURLcode backdrop_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);

#endif
