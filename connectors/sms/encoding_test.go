package sms_test

import (
	"strings"
	"testing"

	"github.com/portico-chat/portico/connectors/sms"
)

func TestIsGSM7(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"Your Portico code is 123456.", true},
		{"@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\n\r", true},
		{"Extension: ^{}\\[~]|€ and form feed \f", true},
		{"contraseña, ¿cómo?", false}, // ó is not in GSM-7 (ñ and ¿ are)
		{"está", false},
		{"rápido", false},
		{"día", false},
		{"único", false},
		{"It’s", false}, // a typographic apostrophe
		{"emoji 🙂", false},
		{"tab\t", false},
		{"", true},
	}
	for _, tt := range tests {
		if got := sms.IsGSM7(tt.text); got != tt.want {
			t.Errorf("IsGSM7(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestMeasure(t *testing.T) {
	euro := strings.Repeat("€", 80) // 160 septets: two each
	tests := []struct {
		name string
		text string
		want sms.Size
	}{
		{"empty", "", sms.Size{Encoding: sms.GSM7, Units: 0, Segments: 0}},
		{"one character", "a", sms.Size{sms.GSM7, 1, 1}},
		{"160 GSM-7: one segment", strings.Repeat("a", 160), sms.Size{sms.GSM7, 160, 1}},
		{"161 GSM-7: two of 153", strings.Repeat("a", 161), sms.Size{sms.GSM7, 161, 2}},
		{"306 GSM-7: two", strings.Repeat("a", 306), sms.Size{sms.GSM7, 306, 2}},
		{"307 GSM-7: three", strings.Repeat("a", 307), sms.Size{sms.GSM7, 307, 3}},
		{"459 GSM-7: three", strings.Repeat("a", 459), sms.Size{sms.GSM7, 459, 3}},
		{"460 GSM-7: four", strings.Repeat("a", 460), sms.Size{sms.GSM7, 460, 4}},
		{"extension counts double", "{}", sms.Size{sms.GSM7, 4, 1}},
		{"80 euro signs fill one segment", euro, sms.Size{sms.GSM7, 160, 1}},
		{"81 euro signs need two", euro + "€", sms.Size{sms.GSM7, 162, 2}},
		// 152 letters then an escaped character: the pair may not straddle
		// the boundary, so it starts segment 2.
		{"escape pair not split", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152), sms.Size{sms.GSM7, 306, 3}},
		{"70 UCS-2: one segment", strings.Repeat("á", 70), sms.Size{sms.UCS2, 70, 1}},
		{"71 UCS-2: two of 67", strings.Repeat("á", 71), sms.Size{sms.UCS2, 71, 2}},
		{"134 UCS-2: two", strings.Repeat("á", 134), sms.Size{sms.UCS2, 134, 2}},
		{"135 UCS-2: three", strings.Repeat("á", 135), sms.Size{sms.UCS2, 135, 3}},
		{"one accent makes it all UCS-2", strings.Repeat("a", 100) + "ó", sms.Size{sms.UCS2, 101, 2}},
		{"emoji is two UTF-16 units", "🙂", sms.Size{sms.UCS2, 2, 1}},
		{"35 emoji fill one segment", strings.Repeat("🙂", 35), sms.Size{sms.UCS2, 70, 1}},
		// 66 units then a surrogate pair: it starts segment 2.
		{"surrogate pair not split", strings.Repeat("á", 66) + "🙂" + strings.Repeat("á", 66), sms.Size{sms.UCS2, 134, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sms.Measure(tt.text); got != tt.want {
				t.Errorf("Measure = %+v, want %+v", got, tt.want)
			}
		})
	}
}
