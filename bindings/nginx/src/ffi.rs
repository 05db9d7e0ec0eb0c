//! The boundary with nginx: the module's tables, its configuration callbacks, the header filter
//! and the variable. Every `unsafe` block of the crate is here; each does one thing and says
//! why it is sound. Every pointer nginx hands over is checked before use, and every callback
//! runs its work under `catch_unwind`, so that no panic crosses into nginx: a failing
//! configuration step is an `emerg` message, a failing response is answered fail-closed (its
//! `Set-Cookie` fields removed) with an `error` line.
//!
//! Where the filter sits: nginx calls header filters from the last loaded to the first, so the
//! module asks to be loaded before `ngx_http_userid_filter_module` (`ngx_module_order`): it
//! then sees the cookies of `add_header` and of the userid filter too, after they are added,
//! and is seen by no filter that adds a cookie after it.

use std::ffi::{CStr, c_char, c_void};
use std::mem::offset_of;
use std::os::unix::ffi::OsStrExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use ngx::core::{NGX_CONF_ERROR, NGX_CONF_OK, Pool};
use ngx::ffi::{
    NGX_CONF_FLAG, NGX_CONF_TAKE1, NGX_ERROR, NGX_HTTP_LOC_CONF, NGX_HTTP_LOC_CONF_OFFSET,
    NGX_HTTP_MAIN_CONF, NGX_HTTP_MODULE, NGX_HTTP_SRV_CONF, NGX_LOG_EMERG, NGX_LOG_ERR, NGX_OK,
    ngx_command_t, ngx_conf_full_name, ngx_conf_log_error, ngx_conf_set_flag_slot, ngx_conf_t,
    ngx_http_add_variable, ngx_http_module_t, ngx_http_output_header_filter_pt, ngx_http_request_t,
    ngx_http_top_header_filter, ngx_http_variable_value_t, ngx_int_t, ngx_list_part_t,
    ngx_list_push, ngx_list_t, ngx_log_error_core, ngx_log_t, ngx_module_t, ngx_pnalloc,
    ngx_pool_t, ngx_str_t, ngx_table_elt_t, ngx_uint_t,
};

use crate::conf::{LocConf, load_keys, load_policy};
use crate::response::{self, Answer, Edit, RequestFields};

// ---------------------------------------------------------------------------------------------
// The module's tables.

/// The module: nginx finds it through `ngx_modules` and sets its indexes and name.
#[used]
#[unsafe(no_mangle)]
#[allow(non_upper_case_globals)]
pub static mut ngx_http_cookie_charter_module: ngx_module_t = ngx_module_t {
    ctx: (&raw const MODULE_CTX).cast_mut().cast(),
    commands: (&raw mut COMMANDS).cast(),
    type_: NGX_HTTP_MODULE as ngx_uint_t,
    ..ngx_module_t::default()
};

/// The modules of this library, for `load_module`.
#[used]
#[unsafe(no_mangle)]
#[allow(non_upper_case_globals)]
pub static mut ngx_modules: [*const ngx_module_t; 2] =
    [&raw const ngx_http_cookie_charter_module, ptr::null()];

/// Their names, for `load_module`.
#[used]
#[unsafe(no_mangle)]
#[allow(non_upper_case_globals)]
pub static mut ngx_module_names: [*const c_char; 2] = [MODULE_NAME.as_ptr(), ptr::null()];

/// Where `load_module` puts the module: before the userid filter (see the module's doc).
#[used]
#[unsafe(no_mangle)]
#[allow(non_upper_case_globals)]
pub static mut ngx_module_order: [*const c_char; 3] = [
    MODULE_NAME.as_ptr(),
    c"ngx_http_userid_filter_module".as_ptr(),
    ptr::null(),
];

const MODULE_NAME: &CStr = c"ngx_http_cookie_charter_module";

static MODULE_CTX: ngx_http_module_t = ngx_http_module_t {
    preconfiguration: Some(preconfiguration),
    postconfiguration: Some(postconfiguration),
    create_main_conf: None,
    init_main_conf: None,
    create_srv_conf: None,
    merge_srv_conf: None,
    create_loc_conf: Some(create_loc_conf),
    merge_loc_conf: Some(merge_loc_conf),
};

/// The levels the directives are allowed at.
const ANY_LEVEL: u32 = NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF;

static mut COMMANDS: [ngx_command_t; 4] = [
    ngx_command_t {
        name: ngx_str(c"cookie_charter_policy"),
        type_: (ANY_LEVEL | NGX_CONF_TAKE1) as ngx_uint_t,
        set: Some(set_policy),
        conf: NGX_HTTP_LOC_CONF_OFFSET,
        offset: 0,
        post: ptr::null_mut(),
    },
    ngx_command_t {
        name: ngx_str(c"cookie_charter_consent_keys"),
        type_: (ANY_LEVEL | NGX_CONF_TAKE1) as ngx_uint_t,
        set: Some(set_consent_keys),
        conf: NGX_HTTP_LOC_CONF_OFFSET,
        offset: 0,
        post: ptr::null_mut(),
    },
    ngx_command_t {
        name: ngx_str(c"cookie_charter"),
        type_: (ANY_LEVEL | NGX_CONF_FLAG) as ngx_uint_t,
        // nginx's own `on|off` parser, with its messages.
        set: Some(ngx_conf_set_flag_slot),
        conf: NGX_HTTP_LOC_CONF_OFFSET,
        offset: offset_of!(LocConf, enabled),
        post: ptr::null_mut(),
    },
    ngx_command_t::empty(),
];

/// The name of the Consent Mode variable (`$cookie_charter_gtag_default`).
static mut GTAG_DEFAULT: [u8; 27] = *b"cookie_charter_gtag_default";

/// The name of the fields the filter appends. nginx reads header names through `*mut`
/// pointers and never writes them; these are mutable statics so that such pointers are sound.
static mut SET_COOKIE: [u8; 10] = *b"Set-Cookie";
static mut SET_COOKIE_LOWER: [u8; 10] = *b"set-cookie";

/// The header filter below this module's, called once the response's fields are edited.
static mut NEXT_HEADER_FILTER: ngx_http_output_header_filter_pt = None;

/// An `ngx_str_t` of a static C string (a directive name: nginx compares it with `strcmp`, so it
/// ends with a NUL past `len`, and never writes it).
const fn ngx_str(name: &'static CStr) -> ngx_str_t {
    ngx_str_t {
        len: name.count_bytes(),
        data: name.as_ptr().cast_mut().cast(),
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration.

/// Registers `$cookie_charter_gtag_default`.
unsafe extern "C" fn preconfiguration(cf: *mut ngx_conf_t) -> ngx_int_t {
    let mut name = ngx_str_t {
        len: 27,
        data: (&raw mut GTAG_DEFAULT).cast(),
    };
    // SAFETY: nginx calls preconfiguration with its configuration; `name` lives in a static.
    let variable = unsafe { ngx_http_add_variable(cf, &mut name, 0) };
    // SAFETY: a non-null result is the variable nginx made, which nobody else holds yet.
    match unsafe { variable.as_mut() } {
        Some(variable) => {
            variable.get_handler = Some(gtag_default_variable);
            NGX_OK as ngx_int_t
        }
        None => NGX_ERROR as ngx_int_t,
    }
}

/// Puts the module's header filter on top of nginx's chain.
unsafe extern "C" fn postconfiguration(_cf: *mut ngx_conf_t) -> ngx_int_t {
    // SAFETY: nginx reads its configuration on one thread, before any request is served.
    let next = unsafe { ngx_http_top_header_filter };
    // SAFETY: as above; the filter reads it only while serving requests.
    unsafe { NEXT_HEADER_FILTER = next };
    // SAFETY: as above.
    unsafe { ngx_http_top_header_filter = Some(header_filter) };
    NGX_OK as ngx_int_t
}

/// A level's configuration, in the configuration's pool (dropped with it).
unsafe extern "C" fn create_loc_conf(cf: *mut ngx_conf_t) -> *mut c_void {
    // SAFETY: nginx calls this with its configuration or not at all.
    let Some(cf) = (unsafe { cf.as_ref() }) else {
        return ptr::null_mut();
    };
    let Some(pool) = NonNull::new(cf.pool) else {
        return ptr::null_mut();
    };
    // SAFETY: the configuration's pool is a live pool, for as long as the configuration.
    let pool = unsafe { Pool::from_ngx_pool(pool.as_ptr()) };
    catch_unwind(AssertUnwindSafe(|| {
        pool.allocate(LocConf::default()).cast()
    }))
    .unwrap_or(ptr::null_mut())
}

/// A level's configuration completed from the level above (see [`LocConf::merge`]).
unsafe extern "C" fn merge_loc_conf(
    cf: *mut ngx_conf_t,
    parent: *mut c_void,
    child: *mut c_void,
) -> *mut c_char {
    // SAFETY: nginx passes two configurations made by `create_loc_conf`, distinct, or nulls.
    let parent = unsafe { parent.cast::<LocConf>().as_ref() };
    // SAFETY: as above.
    let child = unsafe { child.cast::<LocConf>().as_mut() };
    let (Some(parent), Some(child)) = (parent, child) else {
        return NGX_CONF_ERROR;
    };
    match catch_unwind(AssertUnwindSafe(|| child.merge(parent))) {
        Ok(Ok(())) => NGX_CONF_OK,
        Ok(Err(message)) => conf_error(cf, &message),
        Err(_) => conf_error(
            cf,
            "cookie_charter: internal error while merging the configuration",
        ),
    }
}

/// The file named by the directive being read (its one argument), the full name: a relative
/// name is taken from nginx's configuration directory. `None` when nginx's structures are not as
/// expected (the directive then fails).
fn directive_file(cf: *mut ngx_conf_t) -> Option<std::path::PathBuf> {
    // SAFETY: nginx calls directive handlers with its configuration.
    let cf_ref = unsafe { cf.as_ref() }?;
    // SAFETY: a non-null `args` is the directive's words, `ngx_str_t`s (TAKE1: two of them).
    let args = unsafe { cf_ref.args.as_ref() }?;
    if args.nelts != 2 || args.elts.is_null() {
        return None;
    }
    // SAFETY: `elts` holds `nelts` (2) `ngx_str_t`: the second is the file name.
    let file = unsafe { args.elts.cast::<ngx_str_t>().add(1) };
    // SAFETY: as above.
    let mut name = unsafe { *file };
    // SAFETY: `name` is a valid string; nginx replaces it with a pool copy of the full name.
    if unsafe { ngx_conf_full_name(cf_ref.cycle, &mut name, 1) } != NGX_OK as ngx_int_t {
        return None;
    }
    Some(Path::new(std::ffi::OsStr::from_bytes(str_bytes(&name))).to_path_buf())
}

/// `cookie_charter_policy FILE;`: loads the policy (a relative name is taken from nginx's
/// configuration directory).
unsafe extern "C" fn set_policy(
    cf: *mut ngx_conf_t,
    _cmd: *mut ngx_command_t,
    conf: *mut c_void,
) -> *mut c_char {
    // SAFETY: nginx passes this module's configuration of the level (`NGX_HTTP_LOC_CONF_OFFSET`).
    let Some(conf) = (unsafe { conf.cast::<LocConf>().as_mut() }) else {
        return NGX_CONF_ERROR;
    };
    if conf.policy.is_some() {
        return c"is duplicate".as_ptr().cast_mut();
    }
    let Some(path) = directive_file(cf) else {
        return NGX_CONF_ERROR;
    };
    match catch_unwind(|| load_policy(&path)) {
        Ok(Ok(policy)) => {
            conf.policy = Some(Arc::new(policy));
            NGX_CONF_OK
        }
        Ok(Err(message)) => conf_error(cf, &message),
        Err(_) => conf_error(
            cf,
            "cookie_charter: internal error while loading the policy",
        ),
    }
}

/// `cookie_charter_consent_keys FILE;`: loads the keys that verify signed consent cookies (a
/// relative name is taken from nginx's configuration directory); the policy of the level and of
/// the levels below takes them when the configuration is merged.
unsafe extern "C" fn set_consent_keys(
    cf: *mut ngx_conf_t,
    _cmd: *mut ngx_command_t,
    conf: *mut c_void,
) -> *mut c_char {
    // SAFETY: nginx passes this module's configuration of the level (`NGX_HTTP_LOC_CONF_OFFSET`).
    let Some(conf) = (unsafe { conf.cast::<LocConf>().as_mut() }) else {
        return NGX_CONF_ERROR;
    };
    if conf.keys.is_some() {
        return c"is duplicate".as_ptr().cast_mut();
    }
    let Some(path) = directive_file(cf) else {
        return NGX_CONF_ERROR;
    };
    match catch_unwind(|| load_keys(&path)) {
        Ok(Ok(keys)) => {
            conf.keys = Some(keys);
            NGX_CONF_OK
        }
        Ok(Err(message)) => conf_error(cf, &message),
        Err(_) => conf_error(
            cf,
            "cookie_charter: internal error while loading the consent keys",
        ),
    }
}

/// Logs `message` as an `emerg` about the directive being read, and fails the configuration.
fn conf_error(cf: *mut ngx_conf_t, message: &str) -> *mut c_char {
    if !cf.is_null() {
        // SAFETY: `cf` is nginx's configuration; `%*s` reads `message.len()` bytes of it.
        unsafe {
            ngx_conf_log_error(
                NGX_LOG_EMERG as ngx_uint_t,
                cf,
                0,
                c"%*s".as_ptr(),
                message.len(),
                message.as_ptr(),
            );
        }
    }
    NGX_CONF_ERROR
}

// ---------------------------------------------------------------------------------------------
// Requests.

/// The header filter: edits the response's `Set-Cookie` fields, then calls the next filter.
unsafe extern "C" fn header_filter(r: *mut ngx_http_request_t) -> ngx_int_t {
    if catch_unwind(AssertUnwindSafe(|| enforce(r))).is_err() {
        // Fail closed: the response goes without its `Set-Cookie` fields.
        let removed = catch_unwind(AssertUnwindSafe(|| remove_set_cookies(r))).is_ok();
        let message = if removed {
            "cookie_charter: internal error; the response's Set-Cookie fields are removed"
        } else {
            "cookie_charter: internal error"
        };
        log_request(r, NGX_LOG_ERR, message);
    }
    // SAFETY: nginx serves requests on one thread; `postconfiguration` set it before.
    let next = unsafe { NEXT_HEADER_FILTER };
    match next {
        // SAFETY: the next filter of nginx's chain, called with the request nginx gave.
        Some(next) => unsafe { next(r) },
        None => NGX_ERROR as ngx_int_t,
    }
}

/// Applies the policy of the request's location to its response.
fn enforce(r: *mut ngx_http_request_t) {
    if let Some((set_cookies, answer)) = judge(r) {
        apply(r, &set_cookies, answer);
    }
}

/// The response's `Set-Cookie` fields and what to do with them; `None` when nothing changes.
/// Reads the request only: every reference made here ends before `apply` writes.
fn judge(r: *mut ngx_http_request_t) -> Option<(Vec<*mut ngx_table_elt_t>, Answer)> {
    // SAFETY: nginx calls header filters with a live request, or it is null.
    let request = unsafe { r.as_ref() }?;
    // Subrequests' headers are not sent.
    if !ptr::eq(request.main, r) {
        return None;
    }
    let policy = loc_conf(request).and_then(LocConf::enforced)?;
    let fields = request_fields(request);
    // The response's `Set-Cookie` fields (the list's own pointers, which `apply` writes
    // through), with their values.
    let mut set_cookies = Vec::with_capacity(8);
    let mut values = Vec::with_capacity(8);
    for element in list_elements(&request.headers_out.headers) {
        // SAFETY: `list_elements` yields the live elements of the list.
        let Some(header) = (unsafe { element.as_ref() }) else {
            continue;
        };
        if header.hash != 0 && str_bytes(&header.key).eq_ignore_ascii_case(b"set-cookie") {
            set_cookies.push(element);
            values.push(str_bytes(&header.value));
        }
    }
    let answer = response::answer(policy, &fields, values.iter().copied(), response::now())?;
    Some((set_cookies, answer))
}

/// Removes every `Set-Cookie` field of the response (after a panic: fail closed).
fn remove_set_cookies(r: *mut ngx_http_request_t) {
    // SAFETY: a live request, or null; only its field list is read.
    let Some(request) = (unsafe { r.as_ref() }) else {
        return;
    };
    for element in list_elements(&request.headers_out.headers) {
        // SAFETY: `list_elements` yields the live elements of the list, which nothing else
        // references while the filter runs.
        let Some(header) = (unsafe { element.as_mut() }) else {
            continue;
        };
        if str_bytes(&header.key).eq_ignore_ascii_case(b"set-cookie") {
            header.hash = 0;
        }
    }
}

/// Edits the response's `Set-Cookie` fields (`set_cookies`, in order) as `answer` says and
/// appends its new fields. A field nginx cannot allocate is not sent (fail closed).
fn apply(r: *mut ngx_http_request_t, set_cookies: &[*mut ngx_table_elt_t], answer: Answer) {
    // SAFETY: a live request (`judge` checked it); no other reference to it is alive.
    let Some(request) = (unsafe { r.as_mut() }) else {
        return;
    };
    let pool = request.pool;
    for (&header, edit) in set_cookies.iter().zip(answer.edits) {
        // SAFETY: the elements `judge` found in the response's list, still there.
        let Some(header) = (unsafe { header.as_mut() }) else {
            continue;
        };
        match edit {
            Edit::Keep => {}
            // nginx skips the fields whose hash is 0.
            Edit::Drop => header.hash = 0,
            Edit::Replace(value) => match pool_str(pool, &value) {
                Some(value) => header.value = value,
                None => header.hash = 0,
            },
        }
    }
    for value in answer.added {
        let Some(value) = pool_str(pool, &value) else {
            return;
        };
        // SAFETY: the response's field list, in the request's pool.
        let pushed = unsafe { ngx_list_push(&mut request.headers_out.headers) };
        let pushed = pushed.cast::<ngx_table_elt_t>();
        if pushed.is_null() {
            return;
        }
        // SAFETY: the fields of `ngx_table_elt_t` are integers and pointers, for which zero is
        // valid: the fields set below, and `next` (nginx 1.23 on) null.
        let mut header: ngx_table_elt_t = unsafe { std::mem::zeroed() };
        header.hash = 1;
        header.key = ngx_str_t {
            len: 10,
            data: (&raw mut SET_COOKIE).cast(),
        };
        header.lowcase_key = (&raw mut SET_COOKIE_LOWER).cast();
        header.value = value;
        // SAFETY: a new element of the list: aligned, writable, holding nothing yet.
        unsafe { pushed.write(header) };
    }
}

/// `$cookie_charter_gtag_default`: the Consent Mode snippet for the visitor, or not found where
/// no policy applies.
unsafe extern "C" fn gtag_default_variable(
    r: *mut ngx_http_request_t,
    v: *mut ngx_http_variable_value_t,
    _data: usize,
) -> ngx_int_t {
    let value = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: nginx evaluates variables with a live request, or it is null.
        let request = unsafe { r.as_ref() }?;
        let policy = loc_conf(request)?.policy()?;
        let snippet = response::gtag_default(policy, &request_fields(request), response::now());
        pool_str(request.pool, snippet.as_bytes())
    }));
    // SAFETY: nginx passes the value to fill, or null.
    let Some(v) = (unsafe { v.as_mut() }) else {
        return NGX_ERROR as ngx_int_t;
    };
    match value {
        Ok(Some(value)) => match u32::try_from(value.len) {
            Ok(len) => {
                v.set_len(len);
                v.data = value.data;
                v.set_valid(1);
                v.set_no_cacheable(0);
                v.set_not_found(0);
            }
            Err(_) => v.set_not_found(1),
        },
        Ok(None) => v.set_not_found(1),
        Err(_) => {
            log_request(
                r,
                NGX_LOG_ERR,
                "cookie_charter: internal error in a variable",
            );
            v.set_not_found(1);
        }
    }
    NGX_OK as ngx_int_t
}

/// This module's configuration of the request's location.
fn loc_conf(request: &ngx_http_request_t) -> Option<&LocConf> {
    // SAFETY: nginx set the index when it read the configuration, before any request.
    let index = unsafe { ngx_http_cookie_charter_module.ctx_index };
    if request.loc_conf.is_null() || index == ngx_uint_t::MAX {
        return None;
    }
    // SAFETY: `loc_conf` holds one configuration per HTTP module, this module's at `index`.
    let slot = unsafe { request.loc_conf.add(index) };
    // SAFETY: as above.
    let conf = unsafe { *slot };
    // SAFETY: this module's entry is a `LocConf` from `create_loc_conf`, merged, or null.
    unsafe { conf.cast::<LocConf>().as_ref() }
}

/// The request's `Cookie` and `Sec-GPC` fields.
fn request_fields(request: &ngx_http_request_t) -> RequestFields<'_> {
    let mut fields = RequestFields::default();
    for header in list_elements(&request.headers_in.headers) {
        // SAFETY: `list_elements` yields the live elements of the list, alive with the request.
        if let Some(header) = unsafe { header.as_ref() } {
            fields.add(str_bytes(&header.key), str_bytes(&header.value));
        }
    }
    fields
}

/// The elements of a list of header fields, part after part.
fn list_elements(list: &ngx_list_t) -> impl Iterator<Item = *mut ngx_table_elt_t> + '_ {
    let mut part: *const ngx_list_part_t = &list.part;
    let mut index = 0;
    std::iter::from_fn(move || {
        loop {
            // SAFETY: the list's first part, or a `next` part nginx linked to it.
            let current = unsafe { part.as_ref() }?;
            if index < current.nelts && !current.elts.is_null() {
                // SAFETY: `elts` holds `nelts` header fields.
                let element = unsafe { current.elts.cast::<ngx_table_elt_t>().add(index) };
                index += 1;
                return Some(element);
            }
            part = current.next;
            index = 0;
        }
    })
}

/// The bytes of an nginx string (none when it has no data).
fn str_bytes(s: &ngx_str_t) -> &[u8] {
    if s.len == 0 || s.data.is_null() {
        return &[];
    }
    // SAFETY: an nginx string with data points to `len` bytes, alive with what holds it.
    unsafe { std::slice::from_raw_parts(s.data, s.len) }
}

/// A copy of `bytes` in `pool`; `None` when nginx cannot allocate it.
fn pool_str(pool: *mut ngx_pool_t, bytes: &[u8]) -> Option<ngx_str_t> {
    if pool.is_null() {
        return None;
    }
    // SAFETY: a live pool (the request's); the memory is the request's until it ends.
    let data = unsafe { ngx_pnalloc(pool, bytes.len().max(1)) }.cast::<u8>();
    if data.is_null() {
        return None;
    }
    // SAFETY: `data` is a fresh allocation of at least `bytes.len()` bytes.
    unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len()) };
    Some(ngx_str_t {
        len: bytes.len(),
        data,
    })
}

/// Logs `message` at `level` in the request's connection log.
fn log_request(r: *mut ngx_http_request_t, level: u32, message: &str) {
    // SAFETY: a live request, or null.
    let Some(request) = (unsafe { r.as_ref() }) else {
        return;
    };
    // SAFETY: the request's connection, alive with it, or null.
    let Some(connection) = (unsafe { request.connection.as_ref() }) else {
        return;
    };
    log(connection.log, level, message);
}

/// Logs `message` at `level` in `log`, if that level is logged.
fn log(log: *mut ngx_log_t, level: u32, message: &str) {
    // SAFETY: an nginx log, or null.
    let Some(log_ref) = (unsafe { log.as_ref() }) else {
        return;
    };
    if level as ngx_uint_t > log_ref.log_level {
        return;
    }
    // SAFETY: `log` is nginx's; `%*s` reads `message.len()` bytes of it.
    unsafe {
        ngx_log_error_core(
            level as ngx_uint_t,
            log,
            0,
            c"%*s".as_ptr(),
            message.len(),
            message.as_ptr(),
        );
    }
}
