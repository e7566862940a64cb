package flows

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// Sources is a set of flow files in memory, by file name ("greeting.yaml"),
// readable as an fs.FS by ParseSet: the flows as published, a draft put in
// a published flow's place. Names with a "/" are files in folders, such as
// the transcript tests "tests/greeting.yaml".
type Sources map[string][]byte

var (
	_ fs.ReadDirFS  = Sources(nil)
	_ fs.ReadFileFS = Sources(nil)
	_ fs.StatFS     = Sources(nil)
)

// Open opens a file or a folder.
func (s Sources) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if src, ok := s[name]; ok {
		return &sourceFile{info: sourceInfo{name: path.Base(name), size: int64(len(src))}, r: bytes.NewReader(src)}, nil
	}
	entries, err := s.ReadDir(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &sourceDir{info: sourceInfo{name: path.Base(name), dir: true}, entries: entries}, nil
}

// ReadFile returns a copy of a file's source.
func (s Sources) ReadFile(name string) ([]byte, error) {
	src, ok := s[name]
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return bytes.Clone(src), nil
}

// Stat describes a file or a folder.
func (s Sources) Stat(name string) (fs.FileInfo, error) {
	f, err := s.Open(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return f.Stat()
}

// ReadDir lists a folder's files, sorted by name; folders within it are
// listed when they hold files.
func (s Sources) ReadDir(name string) ([]fs.DirEntry, error) {
	prefix := name + "/"
	if name == "." {
		prefix = ""
	}
	seen := map[string]bool{}
	var out []fs.DirEntry
	for file, src := range s {
		if len(file) <= len(prefix) || !strings.HasPrefix(file, prefix) {
			continue
		}
		rest := file[len(prefix):]
		entry := sourceInfo{name: rest, size: int64(len(src))}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			entry = sourceInfo{name: rest[:i], dir: true}
		}
		if !seen[entry.name] {
			seen[entry.name] = true
			out = append(out, fs.FileInfoToDirEntry(entry))
		}
	}
	if len(out) == 0 && name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

type sourceInfo struct {
	name string
	size int64
	dir  bool
}

func (i sourceInfo) Name() string { return i.name }
func (i sourceInfo) Size() int64  { return i.size }
func (i sourceInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i sourceInfo) ModTime() time.Time { return time.Time{} }
func (i sourceInfo) IsDir() bool        { return i.dir }
func (i sourceInfo) Sys() any           { return nil }

type sourceFile struct {
	info sourceInfo
	r    *bytes.Reader
}

func (f *sourceFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *sourceFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *sourceFile) Close() error               { return nil }

type sourceDir struct {
	info    sourceInfo
	entries []fs.DirEntry
}

func (d *sourceDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *sourceDir) Read([]byte) (int, error)   { return 0, io.EOF }
func (d *sourceDir) Close() error               { return nil }

// ReadDir returns the folder's entries, n at a time (all of them for n <= 0).
func (d *sourceDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if n <= 0 {
		out := d.entries
		d.entries = nil
		return out, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.entries))
	out := d.entries[:n]
	d.entries = d.entries[n:]
	return out, nil
}
