vcl 4.1;
# The edge in front of Trainer Profiles: caches the public query API (/query/) and the
# public pages (/, /results, /timetable, /trainers/..., /assets/...) by the app's
# Cache-Control, tags each answer with its dependency keys (the app's `xkey`
# header, Varnish's xkey module from Debian's varnish-modules) and drops them when
# the app's purger (readapi/purge.py) sends `PURGE` with `xkey-purge: <keys>`, or
# everything on `BAN`. Everything else (admin, command API, ops) passes through.
# docs/deployment.md, "An edge cache in front".

import std;
import directors;
import xkey;

# The app (docker-compose's `app` service). Add one backend per app host and list it
# in vcl_init; tests substitute their own addresses.
backend app {
    .host = "app";
    .port = "8000";
    .probe = {
        .url = "/healthz";
        .interval = 1s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
    }
}

# Who may purge: the app's own network. Keep the edge's purge port off the internet.
acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
    "10.0.0.0"/8;
    "172.16.0.0"/12;
    "192.168.0.0"/16;
}

sub vcl_init {
    new apps = directors.round_robin();
    apps.add_backend(app);
}

sub vcl_recv {
    set req.backend_hint = apps.backend();

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Purging is not allowed from this address."));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Send the keys to purge in xkey-purge."));
        }
        set req.http.x-purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.x-purged + " objects."));
    }
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(403, "Banning is not allowed from this address."));
        }
        ban("obj.http.x-url ~ ^/");
        return (synth(200, "Banned every cached answer."));
    }

    # Only the public query API and the public pages are cached; the change feed
    # streams through.
    if (!(req.url ~ "^/query(/|\?|$)" || req.url ~ "^/(results|timetable)?(\?|$)"
          || req.url ~ "^/(trainers|assets)/") || req.url ~ "^/query/changes") {
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # A client that asks for fresh data, or for its own last write, goes to the app.
    if (req.http.Cache-Control ~ "no-cache" || req.http.X-Consistency-Token
        || req.url ~ "[?&]consistency_token=") {
        return (pass);
    }
    unset req.http.Cookie;
    unset req.http.Authorization;
    # While the app is healthy, serve stale only while revalidating (the answer's
    # stale-while-revalidate); when it is down, up to its stale-if-error.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 30s;
    }
    return (hash);
}

sub vcl_backend_response {
    set beresp.http.x-url = bereq.url;
    # Cached only what the app says shared caches may keep: by s-maxage, or a file
    # whose name changes with its content (the pages' assets, `immutable`).
    if (beresp.http.Cache-Control !~ "s-maxage=[1-9]" && beresp.http.Cache-Control !~ "immutable") {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    if (beresp.http.Cache-Control ~ "stale-if-error=[0-9]+") {
        set beresp.grace = std.duration(
            regsub(beresp.http.Cache-Control, ".*stale-if-error=([0-9]+).*", "\1s"), 0s);
    }
    return (deliver);
}

sub vcl_backend_error {
    # An app that is down (connection refused) before its probe says so: a read is
    # safe to send to the next one.
    if ((bereq.method == "GET" || bereq.method == "HEAD") && bereq.retries < 2) {
        return (retry);
    }
}

sub vcl_deliver {
    unset resp.http.x-url;
    unset resp.http.xkey;
    if (obj.hits > 0) {
        set resp.http.X-Edge-Cache = "hit";
    } else {
        set resp.http.X-Edge-Cache = "miss";
    }
}
