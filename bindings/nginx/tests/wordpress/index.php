<?php
// A WordPress-like page: the cookies a WordPress site with a statistics plugin and a careless
// plugin sets on every page, set with setcookie() as WordPress does, and the Consent Mode
// snippet nginx passes in (fastcgi_param COOKIE_CHARTER_GTAG_DEFAULT $cookie_charter_gtag_default)
// printed before any Google tag, as a theme's header.php would.
setcookie('wordpress_test_cookie', 'WP Cookie check', ['path' => '/', 'secure' => true]);
setcookie('wordpress_logged_in_5c3a', 'admin|1700000000|token', ['path' => '/', 'httponly' => true]);
setcookie('wp-settings-1', 'libraryContent=browse&editor=tinymce', ['path' => '/']);
setcookie('_ga', 'GA1.2.123.456', ['path' => '/', 'domain' => 'example.org']);
setcookie('tracker', 'abc');
header('Content-Type: text/html; charset=utf-8');
$snippet = $_SERVER['COOKIE_CHARTER_GTAG_DEFAULT'] ?? '';
echo "<!doctype html><html><head><script>\n" . $snippet . "</script></head>";
echo "<body><p>Hello from PHP " . PHP_MAJOR_VERSION . "</p></body></html>\n";
