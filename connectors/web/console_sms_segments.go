package web

import (
	"encoding/json"
	"net/http"
)

// POST /agent/api/sms/segments: what a reply would cost as text messages,
// shown in the console before an agent sends a long reply to a patient on
// SMS. The counting (GSM-7 or UCS-2, segments, the split into messages)
// is connectors/sms's, served rather than typed again in JavaScript.

// SMSMeasure is a reply's cost as texts.
type SMSMeasure struct {
	Encoding string `json:"encoding"` // "GSM-7" or "UCS-2"
	Segments int    `json:"segments"` // billed segments, all messages together
	Messages int    `json:"messages"` // texts it is sent as (at most 3 segments each)
}

// maxMeasureBody bounds the request: an agent's reply and its JSON.
const maxMeasureBody = 64 << 10

// smsSegments answers with measure's count of {"text": …}.
func (con *console) smsSegments(measure func(string) SMSMeasure) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, _ *staffSession) {
		var in struct {
			Text string `json:"text"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxMeasureBody)).Decode(&in); err != nil {
			writeJSONError(w, http.StatusBadRequest, "invalid", "A JSON body with the text is required.")
			return
		}
		writeJSON(w, http.StatusOK, measure(in.Text))
	}
}
