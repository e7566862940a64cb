package web

import (
	"html/template"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// formLimits are the lengths and shapes the server checks, for the pages'
// maxlength and pattern attributes: a field stops where the server would
// refuse, and each number lives beside the check that enforces it. Every
// template reaches them as {{(limits).Email}}.
type formLimits struct {
	Email, Password int // console sign-in, people
	UserName        int
	TokenName       int
	FlowName        int
	FlowPattern     string
	QueueName       int
	QueuePattern    string
	QueueDescribe   int
	CannedShortcut  int
	CannedPattern   string
	CannedTitle     int
	AgentText       int // a console reply, note or transfer note; a canned text
	AgentRef        int // a transfer's queue or agent
	Name            int // a queue, flow or resolution in an agent frame
	PatientText     int // what a patient (or the sandbox) says
	WidgetTitle     int
	WidgetGreeting  int
	WidgetColor     int
	WidgetLogo      int
}

var pageLimits = formLimits{
	Email: staff.MaxEmailLen, Password: staff.MaxPasswordLen,
	UserName:  staff.MaxNameRunes,
	TokenName: staff.MaxTokenNameRunes,
	FlowName:  bot.MaxFlowNameLen, FlowPattern: bot.FlowNamePattern,
	QueueName: bot.MaxQueueNameLen, QueuePattern: bot.QueueNamePattern, QueueDescribe: bot.MaxQueueDescribe,
	CannedShortcut: staff.MaxShortcutLen, CannedPattern: staff.ShortcutPattern, CannedTitle: staff.MaxCannedTitleRunes,
	AgentText:   maxAgentTextRunes,
	AgentRef:    max(maxNameLen, maxAgentIDLen),
	Name:        maxNameLen,
	PatientText: maxTextRunes,
	WidgetTitle: maxWidgetTitleRunes, WidgetGreeting: maxWidgetGreetRunes, WidgetColor: len("#rrggbb"), WidgetLogo: maxWidgetLogoLen,
}

// templateFuncs are the functions every page template may call.
var templateFuncs = template.FuncMap{
	"limits": func() formLimits { return pageLimits },
}

// parseTemplates parses template files with templateFuncs. Execute the
// result by a file's name.
func parseTemplates(patterns ...string) *template.Template {
	return template.Must(template.New("").Funcs(templateFuncs).ParseFS(templateFiles, patterns...))
}
