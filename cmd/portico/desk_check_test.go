// The engine implements the console's Desk.
package main

import (
	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/web"
)

var _ web.Desk = (*bot.Engine)(nil)
