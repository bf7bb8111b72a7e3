package httpserve

// CookieName is the name a console's cookie base goes by: under HTTPS with
// the __Host- prefix, which browsers accept only from a secure origin,
// for the path /, without a domain — so that no sibling subdomain and no
// plain-http page can set or overwrite it.
func CookieName(base string, secure bool) string {
	if secure {
		return "__Host-" + base
	}
	return base
}
