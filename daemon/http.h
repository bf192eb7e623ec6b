/* The libmicrohttpd transport (http.c): its callbacks, with the daemon as
 * their cls. */
#ifndef PASSNUMD_HTTP_H
#define PASSNUMD_HTTP_H
#include <microhttpd.h>

enum MHD_Result http_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls);
void http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe);

#endif
