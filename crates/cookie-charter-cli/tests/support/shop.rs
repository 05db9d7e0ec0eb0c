//! A hermetic fixture site on loopback for the audit tests, under two site names that Chromium
//! resolves to loopback: `www.shop.localhost` (the site) and `widget.localhost` (a third party).
//!
//! What it does wrong, on purpose:
//! - its script `/app.js` sets an undeclared cookie `_visitor` and a localStorage key `_ls_track`;
//! - every page sets the marketing cookie `_mkt`, consent or not;
//! - with statistics granted it sets `_stats` for 2 years (declared: 13 months);
//! - with marketing granted it sets `_ads`, and never purges it when consent is withdrawn
//!   (it does purge `_stats`);
//! - its page embeds a frame of `widget.localhost` that sets `_wid`, declared first party, an
//!   undeclared partitioned cookie `_wpart` and an undeclared localStorage key `_w_seen`.
//!
//! And bad pages: `/hang` (an image that never loads), `/loop` (a redirect loop).
//!
//! For the benchmark (`cargo bench -p cookie-charter-audit --bench scan`), a ten-page variant:
//! `/many` is the same page with links to `/p/1` to `/p/9`, each the same page again; scanned
//! with `--pages 9` (its links are sorted: `/about`, then `/p/1` to `/p/8`), ten pages per
//! scenario. The tests start from `/`, which does not link to them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::thread;

use tiny_http::{Header, Request, Response, Server};

/// A running fixture site.
pub struct Shop {
    /// Its port on 127.0.0.1.
    pub port: u16,
    server: Arc<Server>,
}

impl Shop {
    /// Starts the site on a free loopback port.
    pub fn start() -> Self {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("a loopback port"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let held: Arc<Mutex<Vec<Request>>> = Arc::new(Mutex::new(Vec::new()));
        let accept = Arc::clone(&server);
        thread::spawn(move || {
            for request in accept.incoming_requests() {
                let held = Arc::clone(&held);
                thread::spawn(move || serve(request, port, &held));
            }
        });
        Self { port, server }
    }

    /// The URL of a page of the site.
    pub fn url(&self, path: &str) -> String {
        format!("http://www.shop.localhost:{}{path}", self.port)
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}

fn cookies(request: &Request) -> HashMap<String, String> {
    request
        .headers()
        .iter()
        .filter(|h| h.field.equiv("Cookie"))
        .flat_map(|h| {
            h.value
                .as_str()
                .split(';')
                .filter_map(|pair| pair.trim().split_once('='))
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn serve(request: Request, port: u16, held: &Mutex<Vec<Request>>) {
    let host = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Host"))
        .map(|h| {
            h.value
                .as_str()
                .split(':')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_default();
    let path = request
        .url()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let html = header("Content-Type", "text/html; charset=utf-8");
    let response = match (host.as_str(), path.as_str()) {
        ("www.shop.localhost", page)
            if matches!(page, "/" | "/about" | "/many")
                || page
                    .strip_prefix("/p/")
                    .is_some_and(|n| n.parse::<u8>().is_ok_and(|n| (1..=9).contains(&n))) =>
        {
            let jar = cookies(&request);
            let consent = jar.get("consent").cloned().unwrap_or_default();
            let granted = |purpose: &str| consent.split('&').any(|kv| kv == format!("{purpose}=1"));
            let more: String = if page == "/many" {
                (1..=9).map(|n| format!(" <a href=\"/p/{n}\">Page {n}</a>")).collect()
            } else {
                String::new()
            };
            let mut response = Response::from_string(format!(
                "<!doctype html><html><body><h1>Shop</h1><a href=\"/about\">About</a> <a href=\"http://widget.localhost:{port}/frame\">Widget</a>{more}\
                 <script src=\"/app.js\"></script><img src=\"/pixel.gif\">\
                 <iframe src=\"http://widget.localhost:{port}/frame\"></iframe></body></html>"
            ))
            .with_header(html)
            .with_header(header("Set-Cookie", "session=s1; Path=/; HttpOnly"))
            .with_header(header("Set-Cookie", "_mkt=m1; Path=/; Max-Age=86400"));
            if granted("statistics") {
                response.add_header(header("Set-Cookie", "_stats=st; Path=/; Max-Age=63072000"));
            } else if jar.contains_key("_stats") {
                response.add_header(header("Set-Cookie", "_stats=; Path=/; Max-Age=0"));
            }
            if granted("marketing") {
                response.add_header(header("Set-Cookie", "_ads=a1; Path=/; Max-Age=2592000"));
            }
            response
        }
        ("www.shop.localhost", "/app.js") => Response::from_string(
            "document.cookie = '_visitor=v1; path=/; max-age=3600';\nlocalStorage.setItem('_ls_track', '1');\n",
        )
        .with_header(header("Content-Type", "text/javascript")),
        ("www.shop.localhost", "/pixel.gif") => Response::from_data(
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec(),
        )
        .with_header(header("Content-Type", "image/gif")),
        ("www.shop.localhost", "/hang") => Response::from_string(
            "<!doctype html><html><body><img src=\"/never\"></body></html>",
        )
        .with_header(html),
        ("www.shop.localhost", "/never") => {
            // Never answered: the request stays open until the site stops.
            if let Ok(mut held) = held.lock() {
                held.push(request);
            }
            return;
        }
        ("www.shop.localhost", "/loop") => Response::from_string("")
            .with_status_code(302)
            .with_header(header("Location", "/loop")),
        ("widget.localhost", "/frame") => Response::from_string(
            "<!doctype html><p>widget</p><script>localStorage.setItem('_w_seen', '1');</script>",
        )
        .with_header(html)
        .with_header(header("Set-Cookie", "_wid=w1; Path=/; SameSite=None; Secure"))
        .with_header(header(
            "Set-Cookie",
            "_wpart=p1; Path=/; SameSite=None; Secure; Partitioned",
        )),
        _ => Response::from_string("not found").with_status_code(404),
    };
    let _ = request.respond(response);
}
