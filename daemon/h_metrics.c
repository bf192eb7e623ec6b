/* GET /metrics (admin token, or loopback without one): Prometheus text. */
#include <stdlib.h>
#include "daemon.h"
#include "handlers.h"
#include "metrics.h"
#include "request.h"

void
h_metrics(struct request *req)
{
	struct metrics_state st;
	size_t len;
	char *text;

	metrics_gather(req->daemon, &st);
	text = metrics_render(req->daemon->metrics, &st, &len);

	reply_raw(req, 200, "text/plain; version=0.0.4", text, len);
	free(text);
}
