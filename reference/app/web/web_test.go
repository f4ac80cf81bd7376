package web_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"socketlab/reference/app/web"
)

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	return rec
}

// TestHandler: the page, the modules with a JavaScript media type (browsers
// refuse module scripts without one), the security headers, and no
// folder listings.
func TestHandler(t *testing.T) {
	h := web.Handler()
	page := get(t, h, "/")
	require.Equal(t, 200, page.Code)
	require.Contains(t, page.Header().Get("Content-Type"), "text/html")
	require.Contains(t, page.Header().Get("Content-Security-Policy"), "default-src 'self'")
	require.Equal(t, "nosniff", page.Header().Get("X-Content-Type-Options"))
	require.Equal(t, "no-referrer", page.Header().Get("Referrer-Policy"))

	for _, p := range []string{"/static/client/index.js", "/static/app/main.js"} {
		rec := get(t, h, p)
		require.Equal(t, 200, rec.Code, p)
		require.Contains(t, rec.Header().Get("Content-Type"), "javascript", p)
	}
	require.Contains(t, get(t, h, "/static/app.css").Header().Get("Content-Type"), "text/css")
	for _, p := range []string{"/static/", "/static/client/", "/static/missing.js", "/nope"} {
		require.Equal(t, 404, get(t, h, p).Code, p)
	}
}

var (
	importFrom = regexp.MustCompile(`(?m)^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"`)
	staticRef  = regexp.MustCompile(`(?:src|href)="/static/([^"]+)"`)
)

// TestReferencesResolve: every relative import of every module, and every
// /static/ file the page names, exists. A typo there breaks the page
// without any Go test noticing, and the browser tests may be skipped.
func TestReferencesResolve(t *testing.T) {
	files := web.Files()
	modules := 0
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(name, ".js") {
			return err
		}
		modules++
		src, err := fs.ReadFile(files, name)
		require.NoError(t, err)
		for _, m := range importFrom.FindAllStringSubmatch(string(src), -1) {
			target := path.Join(path.Dir(name), m[1])
			_, err := fs.Stat(files, target)
			require.NoError(t, err, "%s imports %s", name, m[1])
		}
		return nil
	})
	require.NoError(t, err)
	require.GreaterOrEqual(t, modules, 10)

	page, err := fs.ReadFile(files, "index.html")
	require.NoError(t, err)
	refs := staticRef.FindAllStringSubmatch(string(page), -1)
	require.NotEmpty(t, refs)
	for _, m := range refs {
		_, err := fs.Stat(files, m[1])
		require.NoError(t, err, "index.html names /static/%s", m[1])
	}
}
