/* The libmicrohttpd transport (http.c): its callbacks, with the daemon as
 * their cls. */
#ifndef PASSNUMD_HTTP_H
#define PASSNUMD_HTTP_H
#include <microhttpd.h>

enum MHD_Result http_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls);
/* MHD_OPTION_URI_LOG_CALLBACK: notes what the raw target holds (a %00,
 * its length) before MHD decodes it in place; the connection's first
 * context until http_access. */
void *http_uri_log(void *cls, const char *uri, struct MHD_Connection *conn);
void http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe);

#endif
