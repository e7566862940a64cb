package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"time"
)

// GET /widget.js and GET /widget.css: the embeddable widget's files.

// The embeddable widget: /widget.js, /widget.css and /widget/config are
// loaded by portal pages on other origins, so unlike every other response
// they are public resources: any origin may read them (CORS) and embed
// them (CORP), and no credentials are involved. docs/widget.md.
const (
	widgetJS   = "static/widget/widget.js"
	widgetCSS  = "static/widget/widget.css"
	widgetPath = "/widget.js"
	// widgetCache lets browsers and CDNs reuse the script for five
	// minutes, then revalidate with its ETag: a new release reaches every
	// portal page within that time.
	widgetCache = "public, max-age=300, must-revalidate"
	// widgetConfigCache is shorter: the answer depends on the Origin.
	widgetConfigCache = "public, max-age=60"
	// WidgetBudget is the most the widget's script and style may weigh,
	// gzipped, in bytes (issue 3).
	WidgetBudget = 30 << 10
)

// asset is one embedded widget file with its validator.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

func loadAsset(name, ctype string) asset {
	b, err := fs.ReadFile(staticFiles, name)
	if err != nil {
		panic(err) // embedded at build time
	}
	sum := sha256.Sum256(b)
	return asset{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// widgetAssets are the files the widget loads, by path.
var widgetAssets = map[string]asset{
	"/widget.js":  loadAsset(widgetJS, "text/javascript; charset=utf-8"),
	"/widget.css": loadAsset(widgetCSS, "text/css; charset=utf-8"),
}

// WidgetFiles returns the widget's script and style as served, for the
// size budget test.
func WidgetFiles() map[string][]byte {
	out := make(map[string][]byte, len(widgetAssets))
	for p, a := range widgetAssets {
		out[p] = a.body
	}
	return out
}

// publicResource marks a response as readable and embeddable by any
// origin, overriding the same-origin defaults of securityHeaders.
func publicResource(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Del("Cross-Origin-Opener-Policy") // a script or JSON, not a document
}

// handleWidgetAsset serves /widget.js and /widget.css with an ETag, so a
// revalidation costs a 304.
func (s *Server) handleWidgetAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := widgetAssets[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	publicResource(h)
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", widgetCache)
	h.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
