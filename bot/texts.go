package bot

import (
	"strings"

	"github.com/portico-chat/portico/flows"
)

// Locales the engine speaks.
const (
	English = "en"
	Spanish = "es"
)

// NormalizeLocale maps a BCP 47 tag to a locale the flows have. Tags are
// case-insensitive, and only the primary language subtag counts ("esu" is
// not Spanish).
func NormalizeLocale(tag string) string {
	primary, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	if strings.EqualFold(strings.TrimSpace(primary), Spanish) {
		return Spanish
	}
	return English
}

// System texts: what the engine itself says, outside any flow.
var texts = map[string]flows.Text{
	"invalid": {
		English: "Sorry, I didn't understand that. Could you try again?",
		Spanish: "Perdón, no entendí. ¿Puede intentarlo de nuevo?",
	},
	"invalid.date": {
		English: "That doesn't look like a date. Please type it like 03/14/1980.",
		Spanish: "Eso no parece una fecha. Escríbala así: 14/03/1980.",
	},
	"invalid.zip": {
		English: "Please type the 5-digit ZIP code, like 60614.",
		Spanish: "Escriba el código postal de 5 dígitos, por ejemplo 60614.",
	},
	"invalid.code": {
		English: "The code is the {length} digits in the message we sent. Please type just the digits.",
		Spanish: "El código son los {length} dígitos del mensaje que le enviamos. Escriba solo los números.",
	},
	"invalid.email": {
		English: "That doesn't look like an email address. Please check it and try again.",
		Spanish: "Eso no parece un correo electrónico. Revíselo e inténtelo de nuevo.",
	},
	"invalid.phone": {
		English: "Please type a 10-digit phone number, like 312-555-0123.",
		Spanish: "Escriba un número de teléfono de 10 dígitos, por ejemplo 312-555-0123.",
	},
	"invalid.name": {
		English: "Please type the name using letters only.",
		Spanish: "Escriba el nombre solo con letras.",
	},
	"invalid.choice": {
		English: "Please choose one of the options.",
		Spanish: "Por favor, elija una de las opciones.",
	},
	"handoff": {
		English: "I'm connecting you with a member of our support team. Please stay on this page.",
		Spanish: "Le estoy comunicando con una persona de nuestro equipo de ayuda. Por favor, permanezca en esta página.",
	},
	"restart": {
		English: "Okay, let's start over.",
		Spanish: "De acuerdo, empecemos de nuevo.",
	},
	"new_conversations_limited": {
		English: "Many chats were started from your network just now. Please wait a minute, then try again.",
		Spanish: "Se iniciaron muchas conversaciones desde su red hace un momento. Espere un minuto e intente de nuevo.",
	},
	"handoff_text": {
		English: "I'm connecting you with a member of our support team. They will answer you here by text.",
		Spanish: "Le estoy comunicando con una persona de nuestro equipo de ayuda. Le contestara aqui por mensaje de texto.",
	},
	"secret_by_text": {
		English: "For your safety, please never send a password by text message. Use the secure link instead.",
		Spanish: "Por su seguridad, nunca envie una contraseña por mensaje de texto. Use el enlace seguro.",
	},
	"closed": {
		English: "This chat has ended. You can start a new chat at any time.",
		Spanish: "Esta conversación terminó. Puede iniciar una nueva cuando quiera.",
	},
	"abandoned": {
		English: "This chat was closed because it was inactive.",
		Spanish: "Esta conversación se cerró por inactividad.",
	},
	"error": {
		English: "Sorry, something went wrong on our side. I'm passing you to a person who can help.",
		Spanish: "Lo sentimos, algo falló de nuestro lado. Le comunico con una persona que puede ayudarle.",
	},
	"directory_unavailable": {
		English: "Sorry, our account system can't be reached right now, so I can't change your account. I'm passing you to a person who can help.",
		Spanish: "Lo sentimos, ahora no podemos comunicarnos con el sistema de cuentas, así que no puedo cambiar su cuenta. Le comunico con una persona que puede ayudarle.",
	},
	"waiting": {
		English: "Your message was passed on. A member of our team will answer here.",
		Spanish: "Su mensaje fue enviado. Una persona de nuestro equipo le responderá aquí.",
	},
	"verification_expired": {
		English: "For your security, we need to check who you are again because the chat was inactive.",
		Spanish: "Por su seguridad, necesitamos verificar su identidad otra vez porque la conversación estuvo inactiva.",
	},
	"agent_joined": {
		English: "{agent} from our support team has joined the chat.",
		Spanish: "{agent}, de nuestro equipo de ayuda, se unió a la conversación.",
	},
	"transferred": {
		English: "I'm passing your chat to another team. Please stay on this page.",
		Spanish: "Estoy pasando su conversación a otro equipo. Por favor, permanezca en esta página.",
	},
	"back_to_bot": {
		English: "You are back with our automated assistant.",
		Spanish: "Está de nuevo con nuestro asistente automático.",
	},
	"queue_closed": {
		English: "Our support team is not available right now.",
		Spanish: "Nuestro equipo de ayuda no está disponible en este momento.",
	},
	"queue_busy": {
		English: "I'm sorry: everyone on our support team is still busy.",
		Spanish: "Lo siento: todas las personas de nuestro equipo de ayuda siguen ocupadas.",
	},
	"agent_lost": {
		English: "The person helping you was disconnected. You are back at the front of the line.",
		Spanish: "La persona que le ayudaba se desconectó. Usted está de nuevo al frente de la fila.",
	},
	"hours": {
		English: "Our hours are {hours}.",
		Spanish: "Nuestro horario es {hours}.",
	},
	// Password and username rejections, keyed by the Directory's reasons.
	// Each says why, once; the flow's question after it asks for another
	// answer and suggests a passphrase, so neither is said twice.
	PasswordTooShort: {
		English: "That password is too short: it needs at least {min} characters.",
		Spanish: "Esa contraseña es muy corta: necesita al menos {min} caracteres.",
	},
	PasswordTooShortPortal: {
		English: "That password is too short for the portal: it needs more characters. Please choose a longer one.",
		Spanish: "Esa contraseña es muy corta para el portal: necesita más caracteres. Elija una más larga.",
	},
	PasswordTooLong: {
		English: "That password is longer than we can accept.",
		Spanish: "Esa contraseña es más larga de lo que podemos aceptar.",
	},
	PasswordCommon: {
		English: "That password is one of the most common ones, so it is easy to guess.",
		Spanish: "Esa contraseña es de las más comunes, así que es fácil de adivinar.",
	},
	PasswordHasUsername: {
		English: "That password contains your username, so it is easy to guess.",
		Spanish: "Esa contraseña contiene su nombre de usuario, así que es fácil de adivinar.",
	},
	PasswordHasName: {
		English: "That password contains your name, so it is easy to guess.",
		Spanish: "Esa contraseña contiene su nombre, así que es fácil de adivinar.",
	},
	PasswordHasPortalName: {
		English: "That password contains the name of this website, so it is easy to guess.",
		Spanish: "Esa contraseña contiene el nombre de este sitio web, así que es fácil de adivinar.",
	},
	PasswordRepetitive: {
		English: "That password repeats the same letters or words, so it is easy to guess.",
		Spanish: "Esa contraseña repite las mismas letras o palabras, así que es fácil de adivinar.",
	},
	PasswordSequential: {
		English: "That password is letters or numbers in a row, like abcd or 1234, so it is easy to guess.",
		Spanish: "Esa contraseña son letras o números seguidos, como abcd o 1234, así que es fácil de adivinar.",
	},
	PasswordWeak: {
		English: "That password would be easy for a computer to guess.",
		Spanish: "Una computadora podría adivinar esa contraseña con facilidad.",
	},
	// A remote portal's own rules, beyond Portico's policy.
	PasswordReused: {
		English: "You have used that password before, and the portal does not allow it again.",
		Spanish: "Ya usó esa contraseña antes, y el portal no permite volver a usarla.",
	},
	PasswordTooRecent: {
		English: "The password on this account was changed too recently to change it again now.",
		Spanish: "La contraseña de esta cuenta se cambió hace muy poco y todavía no se puede volver a cambiar.",
	},
	PasswordComplexity: {
		English: "The portal needs a password that mixes kinds of characters, such as upper and lower case letters, numbers and symbols.",
		Spanish: "El portal necesita una contraseña que combine distintos tipos de caracteres, como mayúsculas y minúsculas, números y símbolos.",
	},
	PasswordOther: {
		English: "The portal did not accept that password.",
		Spanish: "El portal no aceptó esa contraseña.",
	},
	UsernameTaken: {
		English: "That username is already taken.",
		Spanish: "Ese nombre de usuario ya está en uso.",
	},
	UsernameBadFormat: {
		English: "A username needs 3 to 64 letters or numbers, and may also use . _ - or @.",
		Spanish: "El nombre de usuario debe tener de 3 a 64 letras o números, y puede usar . _ - o @.",
	},
	"account_unavailable": {
		English: "This account can't be changed online. A person from our team can help.",
		Spanish: "Esta cuenta no se puede cambiar en línea. Una persona de nuestro equipo puede ayudarle.",
	},
}

// text returns a system text in locale.
func text(key, locale string) string {
	return texts[key].In(locale)
}
