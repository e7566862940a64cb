package web

import (
	"io/fs"
	"net/http"
	"strings"
)

// GET /static/…: the embedded assets.

// staticCache lets browsers keep assets but check back each time.
const staticCache = "no-cache"

// staticHandler serves the embedded assets under /static/, without
// directory listings. They are public files, and the widget loads some
// (a logo) from portal pages on other origins, so any origin may embed
// them: Cross-Origin-Resource-Policy same-origin would break the image.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", staticCache)
		w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
		files.ServeHTTP(w, r)
	})
}
