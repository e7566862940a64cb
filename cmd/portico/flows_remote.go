package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/portico-chat/portico/bot/flowadmin"
)

// Remote flow management: `portico flows push DIR` and `pull DIR` talk to
// a running server's flow API with an API token.
const (
	remoteTimeout = 2 * time.Minute // a publish runs the flow's tests
	remoteBodyMax = 8 << 20
	tokenEnv      = "PORTICO_TOKEN"
	serverEnv     = "PORTICO_SERVER"
	maxTokenFile  = 4 << 10
	flowAPIPath   = "/admin/api/flows"
)

// remote is a client of a server's flow API.
type remote struct {
	base  string
	token string
	http  *http.Client
}

type remoteFlags struct{ server, tokenFile string }

func (f *remoteFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.server, "server", os.Getenv(serverEnv), "the server's URL (or $"+serverEnv+")")
	cmd.Flags().StringVar(&f.tokenFile, "token-file", "", "file holding the API token (default $"+tokenEnv+")")
}

func (f *remoteFlags) remote() (*remote, error) {
	u, err := url.Parse(f.server)
	if f.server == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server: give the server's URL, e.g. https://portico.example.org")
	}
	token := os.Getenv(tokenEnv)
	if f.tokenFile != "" {
		b, err := readSmall(f.tokenFile, maxTokenFile)
		if err != nil {
			return nil, fmt.Errorf("--token-file: %w", err)
		}
		token = string(b)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, fmt.Errorf("no API token: set $%s or --token-file (create one with `portico tokens create`)", tokenEnv)
	}
	return &remote{base: strings.TrimRight(f.server, "/"), token: token, http: &http.Client{Timeout: remoteTimeout}}, nil
}

func readSmall(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// apiError is the server's refusal.
type apiError struct {
	Status   int
	Code     string                `json:"error"`
	Message  string                `json:"message"`
	Problems []flowadmin.Problem   `json:"problems"`
	Tests    *flowadmin.TestReport `json:"tests"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// do sends a request and decodes a 2xx answer into out; any other status
// is an *apiError.
func (r *remote) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, remoteBodyMax))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e := &apiError{Status: resp.StatusCode}
		if json.Unmarshal(raw, e) != nil || e.Code == "" {
			e.Code, e.Message = "http", strings.TrimSpace(string(raw))
		}
		return e
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, out)
}

func (c *cli) flowsPushCmd() *cobra.Command {
	var rf remoteFlags
	cmd := &cobra.Command{
		Use:   "push DIR",
		Short: "Upload each DIR/*.yaml (and DIR/tests/<name>.yaml) as a draft and publish it on a running server",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := rf.remote()
			if err != nil {
				return err
			}
			failed, err := c.push(cmd.Context(), r, args[0])
			if err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("%d flows were not published", failed)
			}
			return nil
		},
	}
	rf.add(cmd)
	return cmd
}

// push publishes every flow of dir, one at a time, and returns how many
// were refused. An unchanged flow is left as it is.
func (c *cli) push(ctx context.Context, r *remote, dir string) (int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return 0, err
	}
	if len(files) == 0 {
		return 0, fmt.Errorf("no *.yaml flow files in %s", dir)
	}
	sort.Strings(files)
	failed := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			return failed, err
		}
		name := flowName(file, src)
		testsPath := filepath.Join(dir, testsDir, name+".yaml")
		tests, err := os.ReadFile(testsPath)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return failed, err
		}
		paths := map[string]string{name + ".yaml": file, testsDir + "/" + name + ".yaml": testsPath}
		ok, err := c.pushOne(ctx, r, name, src, tests, paths)
		if err != nil {
			return failed, fmt.Errorf("%s: %w", file, err)
		}
		if !ok {
			failed++
		}
	}
	return failed, nil
}

func (c *cli) pushOne(ctx context.Context, r *remote, name string, src, tests []byte, paths map[string]string) (bool, error) {
	path := flowAPIPath + "/" + url.PathEscape(name)
	var draft flowadmin.DraftView
	if err := r.do(ctx, http.MethodPut, path+"/draft", map[string]string{"source": string(src), "tests": string(tests)}, &draft); err != nil {
		return false, err
	}
	if len(draft.Problems) > 0 {
		c.printProblems(draft.Problems, paths)
		fmt.Fprintf(c.out, "FAIL  %s: %d problems; not published (the draft is saved on the server)\n", name, len(draft.Problems))
		return false, nil
	}
	var res flowadmin.PublishResult
	err := r.do(ctx, http.MethodPost, path+"/publish", nil, &res)
	var ae *apiError
	switch {
	case err == nil:
		fmt.Fprintf(c.out, "ok    %s: published version %d (diff sha256 %s)\n", name, res.Version, res.DiffSHA256)
		return true, nil
	case errors.As(err, &ae) && ae.Status == http.StatusConflict:
		fmt.Fprintf(c.out, "ok    %s: unchanged\n", name)
		return true, r.do(ctx, http.MethodDelete, path+"/draft", nil, nil)
	case errors.As(err, &ae) && ae.Status == http.StatusUnprocessableEntity:
		c.printProblems(ae.Problems, paths)
		if ae.Tests != nil {
			for _, t := range ae.Tests.Results {
				if !t.OK {
					for _, f := range t.Failures {
						fmt.Fprintf(c.out, "%s:%d: %s: %s\n", paths[testsDir+"/"+name+".yaml"], t.Line, t.Name, f)
					}
				}
			}
		}
		fmt.Fprintf(c.out, "FAIL  %s: %s\n", name, ae.Message)
		return false, nil
	}
	return false, err
}

// printProblems prints problems as file:line:col, with the local path of
// the files pushed.
func (c *cli) printProblems(ps []flowadmin.Problem, paths map[string]string) {
	for _, p := range ps {
		file := p.File
		if local, ok := paths[file]; ok {
			file = local
		}
		fmt.Fprintf(c.out, "%s:%d:%d: %s\n", file, p.Line, p.Column, p.Message)
	}
}

// flowName is the name a flow file declares, or its base name.
func flowName(file string, src []byte) string {
	var top struct {
		Name string `yaml:"name"`
	}
	if yaml.Unmarshal(src, &top) == nil && top.Name != "" {
		return top.Name
	}
	return strings.TrimSuffix(filepath.Base(file), ".yaml")
}

func (c *cli) flowsPullCmd() *cobra.Command {
	var rf remoteFlags
	cmd := &cobra.Command{
		Use:   "pull DIR",
		Short: "Write every published flow of a running server to DIR/<name>.yaml and its tests to DIR/tests/<name>.yaml",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := rf.remote()
			if err != nil {
				return err
			}
			return c.pull(cmd.Context(), r, args[0])
		},
	}
	rf.add(cmd)
	return cmd
}

func (c *cli) pull(ctx context.Context, r *remote, dir string) error {
	var list struct {
		Flows []flowadmin.Summary `json:"flows"`
	}
	if err := r.do(ctx, http.MethodGet, flowAPIPath, nil, &list); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, testsDir), 0o755); err != nil {
		return err
	}
	for _, s := range list.Flows {
		if s.Version == 0 {
			continue // only drafted, never published
		}
		var d flowadmin.Detail
		if err := r.do(ctx, http.MethodGet, flowAPIPath+"/"+url.PathEscape(s.Name), nil, &d); err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, s.Name+".yaml"), []byte(d.Source), 0o644); err != nil {
			return err
		}
		if d.Tests != "" {
			if err := os.WriteFile(filepath.Join(dir, testsDir, s.Name+".yaml"), []byte(d.Tests), 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(c.out, "%s version %d\n", s.Name, d.Version)
	}
	return nil
}
