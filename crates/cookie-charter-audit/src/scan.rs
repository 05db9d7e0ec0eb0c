//! The live collector: Debian's Chromium, headless, driven over the DevTools protocol through
//! every scenario (`cookie-charter scan`).
//!
//! One browser process; one fresh browser context (an empty profile) per scenario; the
//! scenario's consent cookie written before the first navigation. On each page it records the
//! `Set-Cookie` lines as the network saw them (`Network.responseReceivedExtraInfo`, blocked
//! ones left out), the `document.cookie` writes of every frame with the writing script (a setter
//! hook reporting through a binding), the requests to other sites, and once the page has loaded
//! and the network is quiet, the context's whole cookie jar (`Storage.getCookies`: partitioned
//! cookies included) and the local and session storage of every frame, each read in the frame's
//! own session (out-of-process frames included).
//!
//! Third-party cookies: a fresh headless profile blocks them, so the profile's
//! `cookie_controls_mode` is pinned to 0 (allowed) before launch, and the report says so.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cookie_charter::audit::{
    CookieWrite, Expiry, Observation, ObservedCookie, ObservedRequest, ObservedStorage, Scenario,
    StorageArea, Subject, Writer,
};
use cookie_charter::party::{self, Party};
use cookie_charter::{Policy, SetCookie};
use serde_json::{Value, json};

use crate::cdp::{Cdp, Event};
use crate::error::{Error, Result};
use crate::har::{self, Har};

/// The flags Chromium is launched with (besides the profile directory and the debugging port).
pub const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// What the report says of the third-party cookie setting.
pub const THIRD_PARTY_COOKIES: &str =
    "allowed (profile preference cookie_controls_mode = 0, written before launch)";

/// The binding the `document.cookie` hook reports through.
const BINDING: &str = "__cookieCharterWrite";

/// The `document.cookie` setter hook, run in every frame before its scripts.
const HOOK: &str = r#"(() => {
  const d = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  const report = globalThis.__cookieCharterWrite;
  if (!d || !d.set || typeof report !== 'function') return;
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    enumerable: d.enumerable,
    get() { return d.get.call(this); },
    set(value) {
      try { report(JSON.stringify({ value: String(value), stack: String(new Error().stack || ''), href: String(location.href) })); } catch (e) {}
      d.set.call(this, value);
    },
  });
})();"#;

/// How a scan runs.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// The Chromium binary.
    pub chromium: PathBuf,
    /// The pages to visit first.
    pub urls: Vec<String>,
    /// How many same-site links of those pages to visit after them.
    pub pages: usize,
    /// How long a page may take to load (and any one browser call to answer).
    pub timeout: Duration,
    /// The scenarios to visit, in order.
    pub scenarios: Vec<Scenario>,
    /// Whether to print progress on standard error.
    pub progress: bool,
}

/// What a scan collected.
#[derive(Debug, Clone)]
pub struct ScanResult {
    /// The observations, in the order collected.
    pub observations: Vec<Observation>,
    /// Each scenario with the pages visited in it.
    pub scenarios: Vec<(Scenario, Vec<String>)>,
    /// The browser's product and version.
    pub browser: String,
    /// One HAR per scenario (the network as the browser saw it, cookies included).
    pub hars: Vec<(String, Har)>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The Chromium to use: `CHROMIUM_PATH` when set, else `/usr/bin/chromium`.
pub fn default_chromium() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// A running browser; killed when dropped.
struct Browser {
    child: Child,
    cdp: Cdp,
    _profile: tempfile::TempDir,
    version: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn launch(chromium: &Path, timeout: Duration) -> Result<Browser> {
    let profile = tempfile::Builder::new()
        .prefix("cookie-charter-scan-")
        .tempdir()
        .map_err(|e| Error::Browser(format!("cannot make a profile directory: {e}")))?;
    let default = profile.path().join("Default");
    std::fs::create_dir_all(&default)
        .and_then(|()| {
            std::fs::write(
                default.join("Preferences"),
                r#"{"profile":{"cookie_controls_mode":0}}"#,
            )
        })
        .map_err(|e| Error::Browser(format!("cannot write the profile's preferences: {e}")))?;
    let mut child = Command::new(chromium)
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--remote-debugging-port=0")
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Browser(format!("cannot start `{}`: {e}", chromium.display())))?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| Error::Browser("no standard error from the browser".to_owned()))?;
    let (tx, rx) = mpsc::channel();
    // Reads the browser's standard error to the end (a full pipe would stop the browser),
    // passing on the line that gives the DevTools address.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr)
            .lines()
            .map_while(std::result::Result::ok)
        {
            if let Some(url) = line.strip_prefix("DevTools listening on ") {
                let _ = tx.send(url.trim().to_owned());
            }
        }
    });
    let url = match rx.recv_timeout(timeout) {
        Ok(url) => url,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Browser(format!(
                "`{}` did not open its DevTools port within {} s",
                chromium.display(),
                timeout.as_secs()
            )));
        }
    };
    let mut cdp = match Cdp::connect(&url) {
        Ok(cdp) => cdp,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
    };
    let version = cdp
        .call(
            None,
            "Browser.getVersion",
            json!({}),
            Instant::now() + timeout,
        )
        .ok()
        .and_then(|v| v.get("product").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| "Chromium".to_owned());
    Ok(Browser {
        child,
        cdp,
        _profile: profile,
        version,
    })
}

/// A HAR entry being recorded.
#[derive(Debug, Default)]
struct Recorded {
    entry: Option<har::Entry>,
}

/// The state of one scenario's visit.
struct Visit<'a> {
    cdp: &'a mut Cdp,
    timeout: Duration,
    context: String,
    main: String,
    /// Child sessions (out-of-process frames, workers), by session id.
    children: Vec<String>,
    scenario: &'a Scenario,
    after_withdrawal: bool,
    page: String,
    /// Requests in flight: (session, request id).
    inflight: HashSet<(String, String)>,
    urls: HashMap<(String, String), String>,
    loaded: bool,
    /// The last write of each cookie (name, domain, path) in this scenario.
    writes: HashMap<(String, String, String), CookieWrite>,
    /// Storage keys written after the withdrawal: (storage key, local?, key).
    storage_writes: HashSet<(String, bool, String)>,
    third_party_seen: HashSet<(String, String)>,
    observations: Vec<Observation>,
    entries: Vec<Recorded>,
    entry_index: HashMap<(String, String), usize>,
    pages: Vec<har::Page>,
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The headers of a protocol `Headers` object, as HAR pairs (values holding several lines are
/// split into one pair per line, as `Set-Cookie` must be).
fn header_pairs(headers: Option<&Value>) -> Vec<har::Pair> {
    let mut out = Vec::new();
    if let Some(map) = headers.and_then(Value::as_object) {
        for (name, value) in map {
            for line in value.as_str().unwrap_or_default().split('\n') {
                out.push(har::Pair {
                    name: name.clone(),
                    value: line.to_owned(),
                });
            }
        }
    }
    out
}

/// The URL of the script that wrote a cookie: the first frame of the stack with a URL, past
/// the hook itself and past any other wrapper of the `cookie` setter (a frame `[as cookie]`: a
/// browser guard or a consent tool that passes the write on); the page's URL for an inline
/// script.
fn script_url(stack: &str, href: &str) -> String {
    for line in stack.lines().skip(1) {
        let Some(start) = line.find("http://").or_else(|| line.find("https://")) else {
            continue;
        };
        let mut url = line.get(start..).unwrap_or_default().trim_end_matches(')');
        // Drop `:line:column`.
        for _ in 0..2 {
            if let Some((head, tail)) = url.rsplit_once(':') {
                if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) {
                    url = head;
                }
            }
        }
        if line.contains("[as cookie]") {
            continue;
        }
        return url.to_owned();
    }
    href.to_owned()
}

impl Visit<'_> {
    fn deadline(&self) -> Instant {
        Instant::now() + self.timeout
    }

    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<Value> {
        let deadline = self.deadline();
        self.cdp.call(session, method, params, deadline)
    }

    /// Readies a page or frame session: the domains, the cookie hook, and the same for the
    /// frames it opens.
    fn prepare(&mut self, session: &str) -> Result<()> {
        let s = Some(session);
        self.call(s, "Network.enable", json!({}))?;
        self.call(s, "Page.enable", json!({}))?;
        self.call(s, "Runtime.enable", json!({}))?;
        self.call(s, "DOMStorage.enable", json!({}))?;
        self.call(s, "Runtime.addBinding", json!({"name": BINDING}))?;
        self.call(
            s,
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": HOOK, "runImmediately": true}),
        )?;
        self.call(
            s,
            "Target.setAutoAttach",
            json!({"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}),
        )?;
        Ok(())
    }

    fn handle_all(&mut self) -> Result<()> {
        while let Some(event) = self.cdp.pending_event() {
            self.handle(event)?;
        }
        Ok(())
    }

    fn handle(&mut self, event: Event) -> Result<()> {
        let session = event.session.clone().unwrap_or_default();
        let p = &event.params;
        // Request ids are the browser's, not a session's: an out-of-process frame's document is
        // requested in its parent's session and answered in its own.
        let request_key = || (String::new(), text(p, "requestId"));
        match event.method.as_str() {
            "Target.attachedToTarget" => {
                let child = text(p, "sessionId");
                if child == self.main || self.children.contains(&child) {
                    return Ok(());
                }
                let kind = p
                    .get("targetInfo")
                    .map(|t| text(t, "type"))
                    .unwrap_or_default();
                if kind == "iframe" || kind == "page" {
                    // A frame that went away before it was ready is no error of the site's.
                    match self.prepare(&child) {
                        Ok(()) => self.children.push(child.clone()),
                        Err(e) if std::env::var_os("COOKIE_CHARTER_SCAN_DEBUG").is_some() => {
                            eprintln!("scan: frame session not ready: {e}");
                        }
                        Err(_) => {}
                    }
                }
                let _ = self.call(Some(&child), "Runtime.runIfWaitingForDebugger", json!({}));
            }
            "Target.detachedFromTarget" => {
                let child = text(p, "sessionId");
                self.children.retain(|c| *c != child);
            }
            "Network.requestWillBeSent" => {
                let key = request_key();
                let url = p.get("request").map(|r| text(r, "url")).unwrap_or_default();
                if url.starts_with("data:") || url.starts_with("blob:") {
                    return Ok(());
                }
                // The browser fetches the favicon for itself and never reports its end.
                let favicon = url::Url::parse(&url).is_ok_and(|u| u.path() == "/favicon.ico");
                if !favicon {
                    self.inflight.insert(key.clone());
                }
                self.urls.insert(key.clone(), url.clone());
                if let Some(host) = har::host_of(&url) {
                    if har::party_of(&host, &self.page) == Party::Third
                        && self
                            .third_party_seen
                            .insert((self.page.clone(), host.clone()))
                    {
                        let resource_type =
                            p.get("type").and_then(Value::as_str).map(str::to_owned);
                        self.observe(Subject::Request(ObservedRequest {
                            url: url.clone(),
                            host,
                            resource_type,
                        }));
                    }
                }
                // A redirect ends the previous entry of the same request.
                if let Some(redirect) = p.get("redirectResponse") {
                    if let Some(index) = self.entry_index.get(&key).copied() {
                        if let Some(entry) =
                            self.entries.get_mut(index).and_then(|r| r.entry.as_mut())
                        {
                            entry.response.status =
                                redirect.get("status").and_then(Value::as_i64).unwrap_or(0);
                        }
                    }
                }
                let wall = p.get("wallTime").and_then(Value::as_f64).unwrap_or(0.0);
                let started = crate::time::format_rfc3339_ms((wall * 1000.0) as u64);
                let request = p.get("request").cloned().unwrap_or(Value::Null);
                let entry = har::Entry {
                    pageref: self.pages.last().map(|pg| pg.id.clone()),
                    started_date_time: started,
                    request: har::Request {
                        method: text(&request, "method"),
                        url,
                        headers: header_pairs(request.get("headers")),
                        cookies: Vec::new(),
                    },
                    response: har::Response {
                        status: 0,
                        headers: Vec::new(),
                        cookies: Vec::new(),
                    },
                    resource_type: p
                        .get("type")
                        .and_then(Value::as_str)
                        .map(str::to_ascii_lowercase),
                };
                self.entry_index.insert(key, self.entries.len());
                self.entries.push(Recorded { entry: Some(entry) });
            }
            "Network.requestWillBeSentExtraInfo" => {
                let key = request_key();
                if let Some(entry) = self
                    .entry_index
                    .get(&key)
                    .copied()
                    .and_then(|i| self.entries.get_mut(i))
                    .and_then(|r| r.entry.as_mut())
                {
                    entry.request.headers = header_pairs(p.get("headers"));
                }
            }
            "Network.responseReceived" => {
                let key = request_key();
                if let Some(entry) = self
                    .entry_index
                    .get(&key)
                    .copied()
                    .and_then(|i| self.entries.get_mut(i))
                    .and_then(|r| r.entry.as_mut())
                {
                    let response = p.get("response").cloned().unwrap_or(Value::Null);
                    entry.response.status =
                        response.get("status").and_then(Value::as_i64).unwrap_or(0);
                    let raw_cookies: Vec<har::Pair> = entry
                        .response
                        .headers
                        .iter()
                        .filter(|h| h.name.eq_ignore_ascii_case("set-cookie"))
                        .cloned()
                        .collect();
                    entry.response.headers = header_pairs(response.get("headers"))
                        .into_iter()
                        .filter(|h| !h.name.eq_ignore_ascii_case("set-cookie"))
                        .chain(raw_cookies)
                        .collect();
                }
            }
            "Network.responseReceivedExtraInfo" => self.http_cookies(&request_key(), p),
            "Network.loadingFinished" | "Network.loadingFailed" => {
                self.inflight.remove(&request_key());
            }
            "Page.loadEventFired" if session == self.main => self.loaded = true,
            "Runtime.bindingCalled" if text(p, "name") == BINDING => {
                if let Ok(call) = serde_json::from_str::<Value>(&text(p, "payload")) {
                    self.script_cookie(
                        &text(&call, "value"),
                        &text(&call, "stack"),
                        &text(&call, "href"),
                    );
                }
            }
            "DOMStorage.domStorageItemAdded" | "DOMStorage.domStorageItemUpdated"
                if self.after_withdrawal =>
            {
                if let Some(id) = p.get("storageId") {
                    let local = id
                        .get("isLocalStorage")
                        .and_then(Value::as_bool)
                        .unwrap_or(true);
                    let storage_key = id
                        .get("storageKey")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .unwrap_or_else(|| text(id, "securityOrigin"));
                    self.storage_writes
                        .insert((storage_key, local, text(p, "key")));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn observe(&mut self, subject: Subject) {
        self.observations.push(Observation {
            scenario: self.scenario.id.clone(),
            after_withdrawal: self.after_withdrawal,
            page: self.page.clone(),
            time_ms: now_ms(),
            subject,
        });
    }

    fn record_write(&mut self, line: &str, url: &str, writer: Writer) {
        let Ok(cookie) = SetCookie::parse(line) else {
            return;
        };
        if cookie.name.is_empty() {
            return;
        }
        let (domain, _, path) = har::cookie_place(&cookie, url);
        let lifetime = cookie
            .lifetime(now_ms() / 1000)
            .map_or(Expiry::Session, Expiry::Seconds);
        self.writes.insert(
            (cookie.name.to_owned(), domain, path),
            CookieWrite {
                writer,
                line: line.to_owned(),
                lifetime,
                after_withdrawal: self.after_withdrawal,
            },
        );
    }

    fn http_cookies(&mut self, key: &(String, String), p: &Value) {
        let blocked: HashSet<String> = p
            .get("blockedCookies")
            .and_then(Value::as_array)
            .map(|list| list.iter().map(|b| text(b, "cookieLine")).collect())
            .unwrap_or_default();
        let lines: Vec<String> = header_pairs(p.get("headers"))
            .into_iter()
            .filter(|h| h.name.eq_ignore_ascii_case("set-cookie"))
            .map(|h| h.value)
            .collect();
        if lines.is_empty() {
            return;
        }
        let url = self
            .urls
            .get(key)
            .cloned()
            .unwrap_or_else(|| self.page.clone());
        for line in &lines {
            if !blocked.contains(line) {
                self.record_write(
                    line,
                    &url,
                    Writer::Http {
                        response_url: url.clone(),
                    },
                );
            }
        }
        if let Some(entry) = self
            .entry_index
            .get(key)
            .copied()
            .and_then(|i| self.entries.get_mut(i))
            .and_then(|r| r.entry.as_mut())
        {
            entry
                .response
                .headers
                .retain(|h| !h.name.eq_ignore_ascii_case("set-cookie"));
            entry
                .response
                .headers
                .extend(lines.into_iter().map(|value| har::Pair {
                    name: "Set-Cookie".to_owned(),
                    value,
                }));
        }
    }

    fn script_cookie(&mut self, value: &str, stack: &str, href: &str) {
        let writer = Writer::Script {
            script_url: script_url(stack, href),
            stack: Some(
                stack
                    .lines()
                    .skip(1)
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
            .filter(|s| !s.is_empty()),
        };
        self.record_write(value, href, writer);
    }

    /// Writes the consent cookie of this phase for the site of `url`.
    fn write_consent(&mut self, policy: &Policy, url: &str, value: &str) -> Result<()> {
        let origin = url::Url::parse(url)
            .map(|u| u.origin().ascii_serialization())
            .map_err(|e| Error::Page {
                url: url.to_owned(),
                why: e.to_string(),
            })?;
        let name = &policy.site().consent_cookie;
        let main = self.main.clone();
        self.call(
            Some(&main),
            "Network.setCookie",
            json!({"name": name, "value": value, "url": format!("{origin}/"), "path": "/"}),
        )?;
        self.record_write(
            &format!("{name}={value}; Path=/"),
            &format!("{origin}/"),
            Writer::Collector,
        );
        Ok(())
    }

    /// Visits `url`: navigates, waits for the load event and a quiet network, then reads the
    /// jar and the storage.
    fn visit(&mut self, url: &str) -> Result<()> {
        self.page = url.to_owned();
        self.loaded = false;
        self.inflight.clear();
        self.pages.push(har::Page {
            id: format!("page_{}", self.pages.len() + 1),
            title: url.to_owned(),
            started_date_time: crate::time::format_rfc3339_ms(now_ms()),
        });
        let deadline = self.deadline();
        let page_error = |why: String| Error::Page {
            url: url.to_owned(),
            why,
        };
        let main = self.main.clone();
        let navigated = self
            .cdp
            .call(Some(&main), "Page.navigate", json!({"url": url}), deadline)
            .map_err(|e| {
                page_error(format!(
                    "{e} (did not load within {} s)",
                    self.timeout.as_secs()
                ))
            })?;
        let error = text(&navigated, "errorText");
        if !error.is_empty() {
            return Err(page_error(format!(
                "the browser could not load it: {error}"
            )));
        }
        self.handle_all()?;
        while !(self.loaded && self.inflight.is_empty()) {
            match self.cdp.next_event(deadline)? {
                Some(event) => self.handle(event)?,
                None if self.loaded => {
                    if std::env::var_os("COOKIE_CHARTER_SCAN_DEBUG").is_some() {
                        let left: Vec<_> = self
                            .inflight
                            .iter()
                            .filter_map(|k| self.urls.get(k))
                            .collect();
                        eprintln!("scan: still in flight at the deadline: {left:?}");
                    }
                    break;
                }
                None => {
                    if std::env::var_os("COOKIE_CHARTER_SCAN_DEBUG").is_some() {
                        let left: Vec<_> = self
                            .inflight
                            .iter()
                            .filter_map(|k| self.urls.get(k))
                            .collect();
                        eprintln!("scan: no load event; in flight: {left:?}");
                    }
                    return Err(page_error(format!(
                        "did not finish loading within {} s",
                        self.timeout.as_secs()
                    )));
                }
            }
        }
        // Each session answers after the events it sent before: the hook's reports are in.
        for session in std::iter::once(self.main.clone()).chain(self.children.clone()) {
            let _ = self.call(
                Some(&session),
                "Runtime.evaluate",
                json!({"expression": "0"}),
            );
            self.handle_all()?;
        }
        self.read_jar()?;
        self.read_storage()?;
        Ok(())
    }

    fn read_jar(&mut self) -> Result<()> {
        let context = self.context.clone();
        let jar = self.call(
            None,
            "Storage.getCookies",
            json!({"browserContextId": context}),
        )?;
        let now_s = i64::try_from(now_ms() / 1000).unwrap_or(i64::MAX);
        let cookies = jar
            .get("cookies")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for c in cookies {
            let name = text(&c, "name");
            let raw_domain = text(&c, "domain");
            let host_only = !raw_domain.starts_with('.');
            let domain = raw_domain.trim_start_matches('.').to_ascii_lowercase();
            let path = text(&c, "path");
            let session = c.get("session").and_then(Value::as_bool).unwrap_or(false);
            let stored = if session {
                Expiry::Session
            } else {
                let expires = c.get("expires").and_then(Value::as_f64).unwrap_or(0.0) as i64;
                Expiry::Seconds(expires - now_s)
            };
            let partition_key = match c.get("partitionKey") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Object(o)) => o
                    .get("topLevelSite")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                _ => None,
            };
            let write = self
                .writes
                .get(&(name.clone(), domain.clone(), path.clone()))
                .cloned();
            let party = har::party_of(&domain, &self.page);
            self.observe(Subject::Cookie(ObservedCookie {
                value_len: text(&c, "value").len(),
                name,
                domain,
                host_only,
                path,
                partition_key,
                party,
                write,
                stored: Some(stored),
            }));
        }
        Ok(())
    }

    fn read_storage(&mut self) -> Result<()> {
        let mut seen: BTreeSet<(String, bool, String)> = BTreeSet::new();
        for session in std::iter::once(self.main.clone()).chain(self.children.clone()) {
            let Ok(tree) = self.call(Some(&session), "Page.getFrameTree", json!({})) else {
                continue;
            };
            let mut frames = Vec::new();
            collect_frames(tree.get("frameTree"), &mut frames);
            for (frame_id, frame_url) in frames {
                let Ok(key) = self.call(
                    Some(&session),
                    "Storage.getStorageKey",
                    json!({"frameId": frame_id}),
                ) else {
                    continue;
                };
                let storage_key = text(&key, "storageKey");
                if storage_key.is_empty() {
                    continue;
                }
                for local in [true, false] {
                    let Ok(items) = self.call(
                        Some(&session),
                        "DOMStorage.getDOMStorageItems",
                        json!({"storageId": {"storageKey": storage_key, "isLocalStorage": local}}),
                    ) else {
                        continue;
                    };
                    let entries = items
                        .get("entries")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    for pair in entries {
                        let key = pair
                            .get(0)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned();
                        let value_len = pair.get(1).and_then(Value::as_str).map_or(0, str::len);
                        if !seen.insert((storage_key.clone(), local, key.clone())) {
                            continue;
                        }
                        let origin = storage_key
                            .split("/^")
                            .next()
                            .unwrap_or_default()
                            .trim_end_matches('/')
                            .to_owned();
                        let host = har::host_of(&origin).unwrap_or_default();
                        let written_after_withdrawal = self.storage_writes.contains(&(
                            storage_key.clone(),
                            local,
                            key.clone(),
                        ));
                        let party = har::party_of(&host, &self.page);
                        self.observe(Subject::Storage(ObservedStorage {
                            area: if local {
                                StorageArea::Local
                            } else {
                                StorageArea::Session
                            },
                            origin,
                            frame: frame_url.clone(),
                            key,
                            value_len,
                            party,
                            written_after_withdrawal,
                        }));
                    }
                }
            }
        }
        Ok(())
    }

    /// The same-site links of the current page, in document order.
    fn links(&mut self) -> Vec<String> {
        let main = self.main.clone();
        let found = self.call(
            Some(&main),
            "Runtime.evaluate",
            json!({"expression": "Array.from(document.querySelectorAll('a[href]'), a => a.href)", "returnByValue": true}),
        );
        let site = har::host_of(&self.page).map(|h| party::registrable_domain(&h).to_owned());
        found
            .ok()
            .and_then(|v| {
                v.get("result")
                    .and_then(|r| r.get("value"))
                    .and_then(Value::as_array)
                    .cloned()
            })
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|href| url::Url::parse(href).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .filter(|u| {
                u.host_str()
                    .map(|h| party::registrable_domain(&h.to_ascii_lowercase()).to_owned())
                    == site
            })
            .map(|mut u| {
                u.set_fragment(None);
                u.to_string()
            })
            .collect()
    }

    fn har(&mut self) -> Har {
        Har {
            log: har::Log {
                version: "1.2".to_owned(),
                creator: har::Creator {
                    name: "cookie-charter".to_owned(),
                    version: env!("CARGO_PKG_VERSION").to_owned(),
                },
                pages: std::mem::take(&mut self.pages),
                entries: self.entries.drain(..).filter_map(|r| r.entry).collect(),
            },
        }
    }
}

fn collect_frames(tree: Option<&Value>, out: &mut Vec<(String, String)>) {
    let Some(tree) = tree else {
        return;
    };
    if let Some(frame) = tree.get("frame") {
        out.push((text(frame, "id"), text(frame, "url")));
    }
    for child in tree
        .get("childFrames")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect_frames(Some(child), out);
    }
}

/// Runs the scenarios in one browser and returns what it saw; any page that cannot be visited
/// fails the whole scan (no partial result).
pub fn scan(policy: &Policy, options: &ScanOptions) -> Result<ScanResult> {
    let first = options
        .urls
        .first()
        .ok_or_else(|| Error::Browser("no URL to visit".to_owned()))?
        .clone();
    for url in &options.urls {
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => {
                return Err(Error::Page {
                    url: url.clone(),
                    why: "not an http or https URL".to_owned(),
                });
            }
        }
    }
    let mut browser = launch(&options.chromium, options.timeout)?;
    let mut pages: Option<Vec<String>> = None;
    let mut result = ScanResult {
        observations: Vec::new(),
        scenarios: Vec::new(),
        browser: browser.version.clone(),
        hars: Vec::new(),
    };
    for scenario in &options.scenarios {
        let deadline = Instant::now() + options.timeout;
        let cdp = &mut browser.cdp;
        let context = text(
            &cdp.call(
                None,
                "Target.createBrowserContext",
                json!({"disposeOnDetach": true}),
                deadline,
            )?,
            "browserContextId",
        );
        let target = text(
            &cdp.call(
                None,
                "Target.createTarget",
                json!({"url": "about:blank", "browserContextId": context}),
                deadline,
            )?,
            "targetId",
        );
        let main = text(
            &cdp.call(
                None,
                "Target.attachToTarget",
                json!({"targetId": target, "flatten": true}),
                deadline,
            )?,
            "sessionId",
        );
        let mut visit = Visit {
            cdp,
            timeout: options.timeout,
            context: context.clone(),
            main: main.clone(),
            children: Vec::new(),
            scenario,
            after_withdrawal: false,
            page: first.clone(),
            inflight: HashSet::new(),
            urls: HashMap::new(),
            loaded: false,
            writes: HashMap::new(),
            storage_writes: HashSet::new(),
            third_party_seen: HashSet::new(),
            observations: Vec::new(),
            entries: Vec::new(),
            entry_index: HashMap::new(),
            pages: Vec::new(),
        };
        visit.prepare(&main)?;
        if let Some(value) = scenario.consent_cookie() {
            visit.write_consent(policy, &first, &value)?;
        }
        let phases: &[bool] = if scenario.withdrawn.is_some() {
            &[false, true]
        } else {
            &[false]
        };
        for &after in phases {
            visit.after_withdrawal = after;
            if after {
                if let Some(withdrawn) = &scenario.withdrawn {
                    visit.write_consent(policy, &first, &withdrawn.to_cookie())?;
                }
            }
            let list = match &pages {
                Some(list) => list.clone(),
                None => {
                    // The first scenario finds the pages: the URLs, then their same-site links.
                    let mut list = Vec::new();
                    let mut links = Vec::new();
                    for url in &options.urls {
                        if options.progress {
                            eprintln!("scan: {}: {url}", scenario.id);
                        }
                        visit.visit(url)?;
                        list.push(url.clone());
                        links.extend(visit.links());
                    }
                    let mut extra: Vec<String> =
                        links.into_iter().filter(|l| !list.contains(l)).collect();
                    extra.sort();
                    extra.dedup();
                    extra.truncate(options.pages);
                    for url in &extra {
                        if options.progress {
                            eprintln!("scan: {}: {url}", scenario.id);
                        }
                        visit.visit(url)?;
                    }
                    list.extend(extra);
                    pages = Some(list.clone());
                    if !after {
                        continue;
                    }
                    list
                }
            };
            for url in &list {
                if options.progress {
                    eprintln!(
                        "scan: {}{}: {url}",
                        scenario.id,
                        if after { " (after withdrawal)" } else { "" }
                    );
                }
                visit.visit(url)?;
            }
        }
        let har = visit.har();
        result.observations.append(&mut visit.observations);
        result.hars.push((scenario.id.clone(), har));
        let deadline = Instant::now() + options.timeout;
        let _ = browser.cdp.call(
            None,
            "Target.disposeBrowserContext",
            json!({"browserContextId": context}),
            deadline,
        );
        result
            .scenarios
            .push((scenario.clone(), pages.clone().unwrap_or_default()));
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_writing_script() {
        let stack = "Error\n    at HTMLDocument.set (<anonymous>:8:80)\n    at http://www.shop.localhost:8080/app.js:1:17";
        assert_eq!(
            script_url(stack, "http://x/"),
            "http://www.shop.localhost:8080/app.js"
        );
        let inline = "Error\n    at HTMLDocument.set (<anonymous>:8:80)\n    at <anonymous>:1:1";
        assert_eq!(script_url(inline, "http://x/page"), "http://x/page");
        let named =
            "Error\n    at set (<anonymous>:8:80)\n    at track (https://cdn.example/t.js:10:5)";
        assert_eq!(script_url(named, "http://x/"), "https://cdn.example/t.js");
    }

    #[test]
    fn looks_past_a_guard_that_wraps_the_cookie_setter() {
        // The demo site's pixel, through the browser guard's setter (examples/site).
        let guarded = "Error\n    at HTMLDocument.set (<anonymous>:10:73)\n    at HTMLDocument.set [as cookie] (http://www.epn.localhost:8080/static/cookie-charter-guard.min.js:2:2024)\n    at http://www.epn.localhost:8080/static/tags/pixel.js:9:19\n    at http://www.epn.localhost:8080/static/tags/pixel.js:10:3";
        assert_eq!(
            script_url(guarded, "http://www.epn.localhost:8080/"),
            "http://www.epn.localhost:8080/static/tags/pixel.js"
        );
        // An inline script through the guard: the page.
        let inline = "Error\n    at HTMLDocument.set (<anonymous>:10:73)\n    at HTMLDocument.set [as cookie] (http://x/guard.js:2:20)\n    at <anonymous>:1:1";
        assert_eq!(script_url(inline, "http://x/page"), "http://x/page");
    }
}
