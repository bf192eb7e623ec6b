/* GET / and GET /NAME: the web page's files (place, distributor and funder
 * pages, one sign-in) embedded from web/ at build time (index.html at /).
 * Without them, / is 404. */
#include <string.h>
#include "embedded.h"
#include "handlers.h"
#include "request.h"

static const char *
h_web_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		return "application/octet-stream";
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	if (strcmp(dot, ".txt") == 0)
		return "text/plain; charset=utf-8";
	if (strcmp(dot, ".json") == 0 || strcmp(dot, ".webmanifest") == 0)
		return "application/json";
	return "application/octet-stream";
}

void
h_web(struct request *req)
{
	/* "/" captures no parameter: params[0] is not to be read there. */
	const char *name = strcmp(req->route->pattern, "/") == 0 ? "index.html" : req->params[0];
	const struct embedded_file *f = embedded_find(web_files, name);

	if (f == NULL) {
		reply_error(req, 404, "NO_ROUTE", "there is no %s", req->path);
		return;
	}
	reply_raw(req, 200, h_web_type(name), (const char *)f->data, f->size);
}
