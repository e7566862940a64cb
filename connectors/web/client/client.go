// Package client is a patient-side client of the Portico chat protocol
// (PROTOCOL.md): the end-to-end tests and the load generator use it to
// talk to a server exactly as a browser widget does.
package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// Subprotocol is the protocol's WebSocket subprotocol.
const Subprotocol = "portico.v1"

// handshakeTimeout bounds the WebSocket handshake.
const handshakeTimeout = 10 * time.Second

// Frame is any server frame: the fields of every type, unused ones empty.
type Frame struct {
	Type         string  `json:"type"`
	Conversation string  `json:"conversation,omitempty"`
	Resume       string  `json:"resume,omitempty"`
	Seq          int64   `json:"seq,omitempty"`
	Status       string  `json:"status,omitempty"`
	ID           string  `json:"id,omitempty"`
	From         string  `json:"from,omitempty"`
	Text         string  `json:"text,omitempty"`
	At           string  `json:"at,omitempty"`
	Agent        string  `json:"agent,omitempty"`
	Replies      []Reply `json:"replies,omitempty"`
	Input        *Input  `json:"input,omitempty"`
	Position     int     `json:"position,omitempty"`
	WaitS        int     `json:"wait_s,omitempty"`
	Resolution   string  `json:"resolution,omitempty"`
	On           bool    `json:"on,omitempty"`
	Code         string  `json:"code,omitempty"`
	Message      string  `json:"message,omitempty"`
	RetryAfterS  int     `json:"retry_after_s,omitempty"`
	Raw          []byte  `json:"-"`
}

// Reply is a quick reply.
type Reply struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Input is a message's input hint.
type Input struct {
	Kind         string `json:"kind"`
	Slot         string `json:"slot"`
	Autocomplete string `json:"autocomplete,omitempty"`
	Hint         string `json:"hint,omitempty"`
}

// Conn is one patient connection. Its methods are not safe for concurrent
// use, except Close.
type Conn struct {
	ws *websocket.Conn
}

// Options tune a connection for load testing; the zero value is what
// Dial uses.
type Options struct {
	// LocalAddr is the source address to dial from, e.g. one of several
	// 127.0.0.x addresses so that many connections do not exhaust one
	// address's ephemeral ports. Nil lets the system choose.
	LocalAddr *net.TCPAddr
	// ReadBufferSize and WriteBufferSize are the socket's I/O buffers
	// (gorilla's default, 4096, when zero).
	ReadBufferSize, WriteBufferSize int
	// WriteBufferPool shares write buffers between idle connections.
	WriteBufferPool websocket.BufferPool
}

// Dial opens a patient socket at url (ws://host/ws) with the given Origin.
func Dial(ctx context.Context, url, origin string) (*Conn, *http.Response, error) {
	return DialWith(ctx, url, origin, Options{})
}

// DialWith is Dial with options.
func DialWith(ctx context.Context, url, origin string, o Options) (*Conn, *http.Response, error) {
	d := websocket.Dialer{
		Subprotocols: []string{Subprotocol}, HandshakeTimeout: handshakeTimeout,
		ReadBufferSize: o.ReadBufferSize, WriteBufferSize: o.WriteBufferSize, WriteBufferPool: o.WriteBufferPool,
	}
	if o.LocalAddr != nil {
		nd := &net.Dialer{LocalAddr: o.LocalAddr, Timeout: handshakeTimeout}
		d.NetDialContext = nd.DialContext
	}
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	ws, resp, err := d.DialContext(ctx, url, h)
	if err != nil {
		return nil, resp, err
	}
	return &Conn{ws: ws}, resp, nil
}

// Send writes one frame.
func (c *Conn) Send(frame any) error {
	return c.ws.WriteJSON(frame)
}

// Hello sends a hello frame.
func (c *Conn) Hello(resume string, lastSeq int64, locale, start string) error {
	return c.Send(map[string]any{"type": "hello", "resume": resume, "last_seq": lastSeq, "locale": locale, "start": start})
}

// Bye sends a bye frame: the patient closed the chat.
func (c *Conn) Bye() error { return c.Send(map[string]any{"type": "bye"}) }

// Say sends a say frame with text or a reply value.
func (c *Conn) Say(id, text, reply string) error {
	f := map[string]any{"type": "say", "id": id}
	if text != "" {
		f["text"] = text
	}
	if reply != "" {
		f["reply"] = reply
	}
	return c.Send(f)
}

// Next reads the next frame, waiting at most until ctx's deadline.
func (c *Conn) Next(ctx context.Context) (Frame, error) {
	if dl, ok := ctx.Deadline(); ok {
		c.ws.SetReadDeadline(dl)
	} else {
		c.ws.SetReadDeadline(time.Time{})
	}
	_, b, err := c.ws.ReadMessage()
	if err != nil {
		return Frame{}, err
	}
	var f Frame
	if err := json.Unmarshal(b, &f); err != nil {
		return Frame{}, fmt.Errorf("decode frame %q: %w", b, err)
	}
	f.Raw = b
	return f, nil
}

// Turn reads frames until the server is done answering: a bot message that
// asks something (carries an input hint), or a status change to queued or
// closed. It returns every frame read.
func (c *Conn) Turn(ctx context.Context) ([]Frame, error) {
	var frames []Frame
	for {
		f, err := c.Next(ctx)
		if err != nil {
			return frames, err
		}
		frames = append(frames, f)
		switch {
		case f.Type == "msg" && f.Input != nil:
			return frames, nil
		case f.Type == "status" && (f.Status == "queued" || f.Status == "closed"):
			return frames, nil
		case f.Type == "error":
			return frames, fmt.Errorf("error frame: %s: %s", f.Code, f.Message)
		}
	}
}

// Close closes the socket with a normal closure.
func (c *Conn) Close() error {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	return c.ws.Close()
}

// Drop closes the TCP connection without a close frame, like a network
// failure.
func (c *Conn) Drop() error { return c.ws.UnderlyingConn().Close() }

// CloseCode returns the close code in err, or -1.
func CloseCode(err error) int {
	if ce, ok := err.(*websocket.CloseError); ok {
		return ce.Code
	}
	return -1
}
