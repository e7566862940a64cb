package bot

import (
	"fmt"
	"time"
)

// The texts of deliveries. They carry no PHI: no name, no date of birth, no
// record details; a code or a username only where that is the point.

func codeNotice(locale, portal, code string, ttl time.Duration) (subject, body string) {
	mins := int(ttl.Minutes())
	if locale == Spanish {
		return fmt.Sprintf("Su código de %s", portal),
			fmt.Sprintf("Su código de %s es %s. Vence en %d minutos. Nunca se lo pediremos por teléfono.", portal, code, mins)
	}
	return fmt.Sprintf("Your %s code", portal),
		fmt.Sprintf("Your %s code is %s. It expires in %d minutes. We will never ask for it.", portal, code, mins)
}

func passwordChangedNotice(locale, portal string) (subject, body string) {
	if locale == Spanish {
		return fmt.Sprintf("Su contraseña de %s cambió", portal),
			fmt.Sprintf("La contraseña de su cuenta de %s se cambió. Si no fue usted, llámenos de inmediato.", portal)
	}
	return fmt.Sprintf("Your %s password was changed", portal),
		fmt.Sprintf("The password of your %s account was just changed. If this was not you, call us right away.", portal)
}

func activatedNotice(locale, portal string) (subject, body string) {
	if locale == Spanish {
		return fmt.Sprintf("Su cuenta de %s está activa", portal),
			fmt.Sprintf("Su cuenta de %s se activó. Si no fue usted, llámenos de inmediato.", portal)
	}
	return fmt.Sprintf("Your %s account is active", portal),
		fmt.Sprintf("Your %s account was just activated. If this was not you, call us right away.", portal)
}

func usernameNotice(locale, portal, username string) (subject, body string) {
	if username == "" {
		if locale == Spanish {
			return fmt.Sprintf("Su cuenta de %s", portal),
				fmt.Sprintf("Su cuenta de %s aún no está activada, así que no tiene nombre de usuario. Puede activarla en nuestro chat.", portal)
		}
		return fmt.Sprintf("Your %s account", portal),
			fmt.Sprintf("Your %s account is not activated yet, so it has no username. You can activate it in our chat.", portal)
	}
	if locale == Spanish {
		return fmt.Sprintf("Su nombre de usuario de %s", portal),
			fmt.Sprintf("Su nombre de usuario de %s es: %s", portal, username)
	}
	return fmt.Sprintf("Your %s username", portal),
		fmt.Sprintf("Your %s username is: %s", portal, username)
}
