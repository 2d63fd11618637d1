//! Every string the shopper reads, in English, German, French and Spanish. Merchants
//! override any of them by key (`strings: { startTitle: "…" }`); `{name}` marks a
//! value filled in at run time.

use std::collections::BTreeMap;

/// A language the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// English (the fallback).
    En,
    /// German.
    De,
    /// French.
    Fr,
    /// Spanish.
    Es,
}

impl Locale {
    /// The language tags accepted, in order.
    pub const ALL_TAGS: &'static [&'static str] = &["en", "de", "fr", "es"];

    /// `de`, `de-AT`, `fr_CA`… → the locale; `None` for a language not translated.
    pub fn parse(tag: &str) -> Option<Locale> {
        let lang = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Some(match lang.as_str() {
            "en" => Locale::En,
            "de" => Locale::De,
            "fr" => Locale::Fr,
            "es" => Locale::Es,
            _ => return None,
        })
    }

    /// The BCP 47 tag, for `lang` attributes.
    pub fn tag(self) -> &'static str {
        Self::ALL_TAGS[self as usize]
    }
}

macro_rules! strings {
    ($( $(#[$doc:meta])* $key:ident = $name:literal { en: $en:literal, de: $de:literal, fr: $fr:literal, es: $es:literal } )+) => {
        /// The key of a string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Key { $( $(#[$doc])* $key ),+ }

        impl Key {
            /// Every key, in order.
            pub const ALL: &'static [Key] = &[$(Key::$key),+];

            /// The key's name, as merchants write it.
            pub fn name(self) -> &'static str {
                match self { $(Key::$key => $name),+ }
            }

            /// The key named `name`.
            pub fn from_name(name: &str) -> Option<Key> {
                match name { $($name => Some(Key::$key),)+ _ => None }
            }

            /// Every key's name.
            pub fn names() -> Vec<&'static str> {
                Self::ALL.iter().map(|k| k.name()).collect()
            }

            /// The built-in text in `locale`.
            pub fn text(self, locale: Locale) -> &'static str {
                match (self, locale) {
                    $(
                        (Key::$key, Locale::En) => $en,
                        (Key::$key, Locale::De) => $de,
                        (Key::$key, Locale::Fr) => $fr,
                        (Key::$key, Locale::Es) => $es,
                    )+
                }
            }
        }
    };
}

strings! {
    /// The button on the product page.
    OpenButton = "openButton" { en: "Try it on", de: "Anprobieren", fr: "Essayer", es: "Probármelo" }
    /// Closes the widget.
    Close = "close" { en: "Close", de: "Schließen", fr: "Fermer", es: "Cerrar" }
    /// Heading of the first step.
    StartTitle = "startTitle" { en: "See it on you", de: "Sieh es an dir", fr: "Voyez-le sur vous", es: "Míralo en ti" }
    /// What happens to the photo.
    Privacy = "privacy" {
        en: "Your photo is sent only to make this picture and is not kept. Nothing is saved on this device unless you ask for it.",
        de: "Dein Foto wird nur für dieses Bild gesendet und nicht aufbewahrt. Auf diesem Gerät wird nichts gespeichert, außer du willst es.",
        fr: "Votre photo sert uniquement à créer cette image et n'est pas conservée. Rien n'est enregistré sur cet appareil sans votre accord.",
        es: "Tu foto solo se envía para crear esta imagen y no se guarda. No se almacena nada en este dispositivo salvo que lo pidas."
    }
    /// Heading of the photo guidelines.
    GuidelinesTitle = "guidelinesTitle" { en: "For the best result", de: "Für das beste Ergebnis", fr: "Pour un meilleur résultat", es: "Para el mejor resultado" }
    /// Guideline.
    GuideOnePerson = "guideOnePerson" { en: "Just you in the photo", de: "Nur du auf dem Foto", fr: "Vous seul(e) sur la photo", es: "Solo tú en la foto" }
    /// Guideline.
    GuideFacing = "guideFacing" { en: "Facing the camera", de: "Blick zur Kamera", fr: "Face à l'objectif", es: "Mirando a la cámara" }
    /// Guideline.
    GuideLight = "guideLight" { en: "Good, even light", de: "Gutes, gleichmäßiges Licht", fr: "Une lumière douce et homogène", es: "Buena luz, uniforme" }
    /// Guideline.
    GuideFramed = "guideFramed" { en: "Your body in frame, head to hips or more", de: "Körper im Bild, vom Kopf bis mindestens zur Hüfte", fr: "Le corps cadré, de la tête aux hanches au moins", es: "Tu cuerpo encuadrado, de la cabeza a la cadera o más" }
    /// Opens the file picker.
    ChoosePhoto = "choosePhoto" { en: "Choose a photo", de: "Foto auswählen", fr: "Choisir une photo", es: "Elegir una foto" }
    /// Opens the camera.
    TakePhoto = "takePhoto" { en: "Use the camera", de: "Kamera verwenden", fr: "Utiliser la caméra", es: "Usar la cámara" }
    /// Drop and paste hint.
    DropHint = "dropHint" { en: "or drop or paste a photo here", de: "oder ein Foto hierher ziehen oder einfügen", fr: "ou déposez ou collez une photo ici", es: "o arrastra o pega una foto aquí" }
    /// Uses the merchant's sample photo.
    UseSamplePhoto = "useSamplePhoto" { en: "Use a sample photo", de: "Beispielfoto verwenden", fr: "Utiliser une photo d'exemple", es: "Usar una foto de ejemplo" }
    /// Uses the remembered photo.
    UseSavedPhoto = "useSavedPhoto" { en: "Use my saved photo", de: "Mein gespeichertes Foto verwenden", fr: "Utiliser ma photo enregistrée", es: "Usar mi foto guardada" }
    /// Deletes the remembered photo.
    ForgetPhoto = "forgetPhoto" { en: "Forget my photo", de: "Mein Foto vergessen", fr: "Oublier ma photo", es: "Olvidar mi foto" }
    /// Opt-in to remember the photo.
    RememberPhoto = "rememberPhoto" { en: "Remember my photo on this device for other products", de: "Mein Foto auf diesem Gerät für andere Produkte merken", fr: "Mémoriser ma photo sur cet appareil pour d'autres produits", es: "Recordar mi foto en este dispositivo para otros productos" }
    /// Camera step heading.
    CameraTitle = "cameraTitle" { en: "Stand inside the outline", de: "Stell dich in den Umriss", fr: "Placez-vous dans la silhouette", es: "Colócate dentro de la silueta" }
    /// The loader's message when the widget's files could not be loaded (copied into
    /// embed/tryon.js at build time: the widget itself is what failed to arrive).
    LoadFailed = "loadFailed" {
        en: "The try-on didn't load. Check your connection and try again.",
        de: "Die Anprobe wurde nicht geladen. Prüfe deine Verbindung und versuche es erneut.",
        fr: "L'essayage n'a pas pu se charger. Vérifiez votre connexion et réessayez.",
        es: "No se pudo cargar la prueba. Comprueba tu conexión e inténtalo de nuevo."
    }
    /// Camera video label.
    CameraLabel = "cameraLabel" { en: "Camera preview", de: "Kameravorschau", fr: "Aperçu de la caméra", es: "Vista previa de la cámara" }
    /// Front/back switch.
    SwitchCamera = "switchCamera" { en: "Switch camera", de: "Kamera wechseln", fr: "Changer de caméra", es: "Cambiar de cámara" }
    /// Starts the countdown.
    Capture = "capture" { en: "Take photo in 3 s", de: "Foto in 3 s aufnehmen", fr: "Photo dans 3 s", es: "Foto en 3 s" }
    /// Back to the previous step.
    Back = "back" { en: "Back", de: "Zurück", fr: "Retour", es: "Atrás" }
    /// Camera refused or absent.
    CameraUnavailable = "cameraUnavailable" {
        en: "The camera isn't available ({reason}). You can choose a photo instead.",
        de: "Die Kamera ist nicht verfügbar ({reason}). Du kannst stattdessen ein Foto auswählen.",
        fr: "La caméra n'est pas disponible ({reason}). Vous pouvez choisir une photo à la place.",
        es: "La cámara no está disponible ({reason}). Puedes elegir una foto en su lugar."
    }
    /// Camera reason: the page cannot use a camera (not a secure page).
    CameraNoAccess = "cameraNoAccess" { en: "this page can't use a camera", de: "diese Seite kann keine Kamera verwenden", fr: "cette page ne peut pas utiliser de caméra", es: "esta página no puede usar una cámara" }
    /// Camera reason: permission refused.
    CameraRefused = "cameraRefused" { en: "permission was refused", de: "die Erlaubnis wurde verweigert", fr: "l'autorisation a été refusée", es: "se denegó el permiso" }
    /// Camera reason: no camera found.
    CameraNotFound = "cameraNotFound" { en: "no camera was found", de: "keine Kamera gefunden", fr: "aucune caméra n'a été trouvée", es: "no se encontró ninguna cámara" }
    /// Camera reason: another app holds it.
    CameraBusy = "cameraBusy" { en: "another app is using the camera", de: "eine andere App verwendet die Kamera", fr: "une autre application utilise la caméra", es: "otra aplicación está usando la cámara" }
    /// Camera reason: anything else.
    CameraFailed = "cameraFailed" { en: "the camera could not start", de: "die Kamera konnte nicht starten", fr: "la caméra n'a pas pu démarrer", es: "la cámara no pudo iniciarse" }
    /// Crop step heading.
    CropTitle = "cropTitle" { en: "Adjust the frame", de: "Ausschnitt anpassen", fr: "Ajustez le cadre", es: "Ajusta el encuadre" }
    /// Crop instructions.
    CropHint = "cropHint" {
        en: "Drag the frame, or use the arrow keys to move it and + / − to resize it.",
        de: "Rahmen ziehen, oder mit den Pfeiltasten verschieben und mit + / − die Größe ändern.",
        fr: "Faites glisser le cadre, ou utilisez les flèches pour le déplacer et + / − pour le redimensionner.",
        es: "Arrastra el marco, o usa las flechas para moverlo y + / − para cambiar su tamaño."
    }
    /// Accessible name of the crop frame.
    CropFrameLabel = "cropFrameLabel" { en: "Photo frame", de: "Fotorahmen", fr: "Cadre de la photo", es: "Marco de la foto" }
    /// Confirms the crop.
    UsePhoto = "usePhoto" { en: "Use this photo", de: "Dieses Foto verwenden", fr: "Utiliser cette photo", es: "Usar esta foto" }
    /// Small photo warning.
    SmallPhoto = "smallPhoto" {
        en: "This photo is small ({width}×{height}); the result may look soft. A larger photo works better.",
        de: "Dieses Foto ist klein ({width}×{height}); das Ergebnis kann unscharf wirken. Ein größeres Foto ist besser.",
        fr: "Cette photo est petite ({width}×{height}) ; le résultat peut manquer de netteté. Une photo plus grande donne de meilleurs résultats.",
        es: "Esta foto es pequeña ({width}×{height}); el resultado puede verse borroso. Una foto más grande funciona mejor."
    }
    /// An image format the browser cannot read.
    UnsupportedFormat = "unsupportedFormat" {
        en: "{format} photos can't be read here. Choose a JPEG, PNG or WebP photo (on iPhone: Settings › Camera › Formats › Most Compatible).",
        de: "{format}-Fotos können hier nicht gelesen werden. Wähle ein JPEG-, PNG- oder WebP-Foto (iPhone: Einstellungen › Kamera › Formate › Maximale Kompatibilität).",
        fr: "Les photos {format} ne peuvent pas être lues ici. Choisissez une photo JPEG, PNG ou WebP (iPhone : Réglages › Appareil photo › Formats › Le plus compatible).",
        es: "Las fotos {format} no se pueden leer aquí. Elige una foto JPEG, PNG o WebP (iPhone: Ajustes › Cámara › Formatos › Más compatible)."
    }
    /// Not an image at all.
    NotAPhoto = "notAPhoto" {
        en: "This file isn't a photo we can read. Choose a JPEG, PNG or WebP photo.",
        de: "Diese Datei ist kein lesbares Foto. Wähle ein JPEG-, PNG- oder WebP-Foto.",
        fr: "Ce fichier n'est pas une photo lisible. Choisissez une photo JPEG, PNG ou WebP.",
        es: "Este archivo no es una foto que podamos leer. Elige una foto JPEG, PNG o WebP."
    }
    /// Progress: upload.
    StageUploading = "stageUploading" { en: "Sending your photo…", de: "Dein Foto wird gesendet…", fr: "Envoi de votre photo…", es: "Enviando tu foto…" }
    /// Progress: queued.
    StageQueued = "stageQueued" { en: "Waiting for a free spot…", de: "Warte auf einen freien Platz…", fr: "En attente d'une place…", es: "Esperando un hueco libre…" }
    /// Progress: generating.
    StageGenerating = "stageGenerating" { en: "Putting it on you…", de: "Wird dir angezogen…", fr: "Essayage en cours…", es: "Poniéndotelo…" }
    /// Progress: time estimate.
    Estimate = "estimate" { en: "About {seconds} s left", de: "Noch etwa {seconds} s", fr: "Encore environ {seconds} s", es: "Quedan unos {seconds} s" }
    /// Progress: connection lost.
    Reconnecting = "reconnecting" { en: "Connection lost, retrying…", de: "Verbindung unterbrochen, neuer Versuch…", fr: "Connexion perdue, nouvelle tentative…", es: "Conexión perdida, reintentando…" }
    /// Stops waiting.
    Cancel = "cancel" { en: "Cancel", de: "Abbrechen", fr: "Annuler", es: "Cancelar" }
    /// Results heading.
    ResultsTitle = "resultsTitle" { en: "Here's how it looks on you", de: "So sieht es an dir aus", fr: "Voici le rendu sur vous", es: "Así te queda" }
    /// Result picture description when the merchant gave no product name.
    ResultAltUnnamed = "resultAltUnnamed" { en: "You wearing the garment, picture {n} of {count}", de: "Du mit dem Kleidungsstück, Bild {n} von {count}", fr: "Vous portant le vêtement, image {n} sur {count}", es: "Tú con la prenda, imagen {n} de {count}" }
    /// Result picture description when the merchant gave the product's name.
    ResultAlt = "resultAlt" { en: "You wearing {product}, picture {n} of {count}", de: "Du mit {product}, Bild {n} von {count}", fr: "Vous portant {product}, image {n} sur {count}", es: "Tú con {product}, imagen {n} de {count}" }
    /// The shopper's own photo.
    YourPhoto = "yourPhoto" { en: "Your photo", de: "Dein Foto", fr: "Votre photo", es: "Tu foto" }
    /// Before/after slider label.
    Compare = "compare" { en: "Compare with your photo", de: "Mit deinem Foto vergleichen", fr: "Comparer avec votre photo", es: "Comparar con tu foto" }
    /// Download button.
    Download = "download" { en: "Download", de: "Herunterladen", fr: "Télécharger", es: "Descargar" }
    /// Start over with a new photo.
    TryAnotherPhoto = "tryAnotherPhoto" { en: "Try another photo", de: "Anderes Foto probieren", fr: "Essayer une autre photo", es: "Probar otra foto" }
    /// Same photo, again.
    TryAgain = "tryAgain" { en: "Try again", de: "Erneut versuchen", fr: "Réessayer", es: "Intentar de nuevo" }
    /// Heading of a failed try-on.
    FailedTitle = "failedTitle" { en: "That didn't work", de: "Das hat nicht geklappt", fr: "Cela n'a pas fonctionné", es: "Eso no ha funcionado" }
    /// PoseError.
    ErrorPose = "errorPose" {
        en: "We couldn't find you in the photo. Take one of just you, facing the camera, body in frame, in good light.",
        de: "Wir konnten dich auf dem Foto nicht finden. Nimm ein Foto nur von dir auf: Blick zur Kamera, Körper im Bild, gutes Licht.",
        fr: "Nous ne vous avons pas trouvé(e) sur la photo. Prenez une photo de vous seul(e), face à l'objectif, le corps cadré, bien éclairé.",
        es: "No te encontramos en la foto. Hazte una en la que salgas solo tú, mirando a la cámara, con el cuerpo encuadrado y buena luz."
    }
    /// ImageLoadError.
    ErrorImageLoad = "errorImageLoad" {
        en: "The photo or the product picture couldn't be loaded. Try another photo; if it keeps happening, the product picture may be unavailable.",
        de: "Das Foto oder das Produktbild konnte nicht geladen werden. Probiere ein anderes Foto; passiert es wieder, ist das Produktbild vielleicht nicht verfügbar.",
        fr: "La photo ou l'image du produit n'a pas pu être chargée. Essayez une autre photo ; si cela persiste, l'image du produit est peut-être indisponible.",
        es: "No se pudo cargar la foto o la imagen del producto. Prueba con otra foto; si sigue pasando, puede que la imagen del producto no esté disponible."
    }
    /// ContentModerationError.
    ErrorModeration = "errorModeration" {
        en: "This product can't be tried on here. Please contact the shop if you think this is a mistake.",
        de: "Dieses Produkt kann hier nicht anprobiert werden. Wende dich an den Shop, wenn du das für einen Fehler hältst.",
        fr: "Ce produit ne peut pas être essayé ici. Contactez la boutique si vous pensez qu'il s'agit d'une erreur.",
        es: "Este producto no se puede probar aquí. Contacta con la tienda si crees que es un error."
    }
    /// PipelineError.
    ErrorPipeline = "errorPipeline" {
        en: "Something went wrong on our side. Please try again; it costs nothing.",
        de: "Bei uns ist etwas schiefgegangen. Bitte versuche es noch einmal; es kostet nichts.",
        fr: "Un problème est survenu de notre côté. Réessayez, cela ne coûte rien.",
        es: "Algo salió mal por nuestra parte. Inténtalo de nuevo; no cuesta nada."
    }
    /// ThirdPartyError.
    ErrorThirdParty = "errorThirdParty" {
        en: "A service we rely on turned this photo down. Try a different photo.",
        de: "Ein Dienst, den wir nutzen, hat dieses Foto abgelehnt. Probiere ein anderes Foto.",
        fr: "Un service que nous utilisons a refusé cette photo. Essayez-en une autre.",
        es: "Un servicio que usamos ha rechazado esta foto. Prueba con otra."
    }
    /// Any other error.
    ErrorGeneric = "errorGeneric" {
        en: "The try-on didn't work. If it keeps happening, tell the shop this reference: {id}",
        de: "Die Anprobe hat nicht geklappt. Wenn es wieder passiert, nenne dem Shop diese Referenz: {id}",
        fr: "L'essayage n'a pas fonctionné. Si cela persiste, communiquez cette référence à la boutique : {id}",
        es: "La prueba no ha funcionado. Si sigue pasando, indica a la tienda esta referencia: {id}"
    }
    /// Waited too long.
    ErrorTimeout = "errorTimeout" {
        en: "This is taking much longer than usual. Please try again in a moment.",
        de: "Das dauert viel länger als üblich. Bitte versuche es gleich noch einmal.",
        fr: "Cela prend beaucoup plus de temps que d'habitude. Réessayez dans un instant.",
        es: "Esto está tardando mucho más de lo normal. Inténtalo de nuevo en un momento."
    }
    /// The shopper has used their try-ons for now (the gateway's `QuotaExceeded`).
    ErrorQuota = "errorQuota" {
        en: "You've tried on a lot in a short time. You can try on more in about {minutes} min.",
        de: "Du hast in kurzer Zeit viel anprobiert. In etwa {minutes} Min. kannst du weiter anprobieren.",
        fr: "Vous avez beaucoup essayé en peu de temps. Vous pourrez essayer à nouveau dans environ {minutes} min.",
        es: "Has probado mucho en poco tiempo. Podrás probar más dentro de unos {minutes} min."
    }
    /// The shop's try-on budget for the day is spent (`SpendingLimitReached`).
    ErrorPaused = "errorPaused" {
        en: "Try-on is paused for today. Please come back tomorrow; everything else in the shop works as usual.",
        de: "Die Anprobe ist für heute pausiert. Schau morgen wieder vorbei; alles andere im Shop funktioniert wie gewohnt.",
        fr: "L'essayage est en pause pour aujourd'hui. Revenez demain ; le reste de la boutique fonctionne normalement.",
        es: "La prueba está en pausa por hoy. Vuelve mañana; el resto de la tienda funciona con normalidad."
    }
    /// A few try-ons are left (more than one).
    TriesLeft = "triesLeft" { en: "{n} try-ons left for now", de: "Noch {n} Anproben möglich", fr: "Encore {n} essayages possibles", es: "Te quedan {n} pruebas por ahora" }
    /// One try-on is left.
    TriesLeftOne = "triesLeftOne" { en: "1 try-on left for now", de: "Noch 1 Anprobe möglich", fr: "Encore 1 essayage possible", es: "Te queda 1 prueba por ahora" }
    /// None left: when the shopper can go on.
    TriesNone = "triesNone" {
        en: "That was your last try-on for now. You can try on more in about {minutes} min.",
        de: "Das war vorerst deine letzte Anprobe. In etwa {minutes} Min. kannst du weiter anprobieren.",
        fr: "C'était votre dernier essayage pour le moment. Vous pourrez essayer à nouveau dans environ {minutes} min.",
        es: "Esa fue tu última prueba por ahora. Podrás probar más dentro de unos {minutes} min."
    }
    /// Service unreachable or refusing.
    ErrorService = "errorService" {
        en: "The try-on service isn't reachable right now. Check your connection and try again.",
        de: "Der Anprobe-Dienst ist gerade nicht erreichbar. Prüfe deine Verbindung und versuche es erneut.",
        fr: "Le service d'essayage est injoignable pour le moment. Vérifiez votre connexion et réessayez.",
        es: "El servicio de prueba no está disponible ahora. Revisa tu conexión e inténtalo de nuevo."
    }
    /// A failure before the job had an id (nothing to quote to the shop).
    ErrorGenericNoReference = "errorGenericNoReference" {
        en: "The try-on didn't work. Please try again in a moment.",
        de: "Die Anprobe hat nicht geklappt. Bitte versuche es gleich noch einmal.",
        fr: "L'essayage n'a pas fonctionné. Réessayez dans un instant.",
        es: "La prueba no ha funcionado. Inténtalo de nuevo en un momento."
    }
    /// The widget itself failed (a bug): shown instead of the step.
    ErrorWidget = "errorWidget" {
        en: "Something went wrong in the try-on. Close it and open it again.",
        de: "In der Anprobe ist etwas schiefgelaufen. Schließe sie und öffne sie erneut.",
        fr: "Un problème est survenu dans l'essayage. Fermez-le et rouvrez-le.",
        es: "Algo ha fallado en la prueba. Ciérrala y vuelve a abrirla."
    }
    /// Photo tips link after a PoseError.
    PhotoTips = "photoTips" { en: "Photo tips", de: "Foto-Tipps", fr: "Conseils photo", es: "Consejos de foto" }
    /// Retake after a PoseError.
    Retake = "retake" { en: "Take another photo", de: "Neues Foto aufnehmen", fr: "Reprendre une photo", es: "Hacer otra foto" }
    /// Heading of the photo advice: the photo check, before the try-on, found something
    /// that keeps the garment from showing well.
    AdviceTitle = "adviceTitle" { en: "Check your photo", de: "Prüfe dein Foto", fr: "Vérifiez votre photo", es: "Revisa tu foto" }
    /// Above the advice: why it is given.
    AdviceLead = "adviceLead" {
        en: "With this photo, the try-on may not look right.",
        de: "Mit diesem Foto gelingt die Anprobe vielleicht nicht.",
        fr: "Avec cette photo, l'essayage risque de ne pas être réussi.",
        es: "Con esta foto, puede que la prueba no salga bien."
    }
    /// Advice: nobody is in the photo.
    AdviceNoPerson = "adviceNoPerson" {
        en: "We can't see anybody in this photo. Use a photo of yourself.",
        de: "Wir können auf diesem Foto niemanden erkennen. Nimm ein Foto von dir.",
        fr: "Nous ne voyons personne sur cette photo. Utilisez une photo de vous.",
        es: "No vemos a nadie en esta foto. Usa una foto tuya."
    }
    /// Advice: several people are in the photo (`{count}` of them, always 2 or more).
    AdviceSeveralPeople = "adviceSeveralPeople" {
        en: "We can see {count} people. Use a photo of only you, or frame just yourself.",
        de: "Wir sehen {count} Personen. Nimm ein Foto, auf dem nur du bist, oder setz den Rahmen nur um dich.",
        fr: "Nous voyons {count} personnes. Utilisez une photo où vous êtes seul(e), ou cadrez uniquement sur vous.",
        es: "Vemos a {count} personas. Usa una foto en la que salgas solo tú, o ajusta el encuadre para que no salga nadie más."
    }
    /// Advice: parts of the body the garment covers are not in the photo (`{parts}` is
    /// a list of the body parts below, e.g. "shoulders and hips").
    AdviceNotInFrame = "adviceNotInFrame" {
        en: "We can't see your {parts}. Step back, or use a photo that shows more of you.",
        de: "Wir können deine {parts} nicht sehen. Geh ein Stück zurück oder nimm ein Foto, das mehr von dir zeigt.",
        fr: "Nous ne voyons pas vos {parts}. Reculez un peu, ou utilisez une photo où l'on vous voit davantage.",
        es: "No vemos tus {parts}. Aléjate un poco o usa una foto en la que se te vea más."
    }
    /// Advice: the shopper has their back or side to the camera.
    AdviceNotFacing = "adviceNotFacing" {
        en: "You seem to be turned away. Use a photo where you face the camera.",
        de: "Es sieht so aus, als wärst du von der Kamera abgewandt. Nimm ein Foto, auf dem du in die Kamera schaust.",
        fr: "Vous semblez être de dos ou de profil. Utilisez une photo où vous faites face à l'objectif.",
        es: "Parece que no estás de frente. Usa una foto en la que mires a la cámara."
    }
    /// Body part, in the list of `adviceNotInFrame`.
    BodyShoulders = "bodyShoulders" { en: "shoulders", de: "Schultern", fr: "épaules", es: "hombros" }
    /// Body part, in the list of `adviceNotInFrame`.
    BodyHips = "bodyHips" { en: "hips", de: "Hüften", fr: "hanches", es: "caderas" }
    /// Body part, in the list of `adviceNotInFrame`.
    BodyKnees = "bodyKnees" { en: "knees", de: "Knie", fr: "genoux", es: "rodillas" }
    /// Joins the last body part to the others (`{first}`: the others, separated by ", ").
    ListAnd = "listAnd" { en: "{first} and {last}", de: "{first} und {last}", fr: "{first} et {last}", es: "{first} y {last}" }
    /// Leaves the advice for the start, to give another photo.
    ChooseAnotherPhoto = "chooseAnotherPhoto" { en: "Choose another photo", de: "Anderes Foto wählen", fr: "Choisir une autre photo", es: "Elegir otra foto" }
    /// Goes on with the try-on despite the advice.
    TryAnyway = "tryAnyway" { en: "Try it on anyway", de: "Trotzdem anprobieren", fr: "Essayer quand même", es: "Probármelo de todos modos" }
}

/// The strings of one widget: its locale plus the merchant's overrides.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Strings {
    locale: Option<Locale>,
    overrides: BTreeMap<String, String>,
}

impl Strings {
    /// Strings in `locale`, with `overrides` by key name.
    pub fn new(locale: Locale, overrides: BTreeMap<String, String>) -> Self {
        Strings {
            locale: Some(locale),
            overrides,
        }
    }

    /// The text for `key`.
    pub fn get(&self, key: Key) -> String {
        match self.overrides.get(key.name()) {
            Some(text) => text.clone(),
            None => key.text(self.locale.unwrap_or(Locale::En)).to_owned(),
        }
    }

    /// The text for `key` with `{name}` placeholders filled in.
    pub fn fill(&self, key: Key, values: &[(&str, &str)]) -> String {
        values.iter().fold(self.get(key), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
    }

    /// The locale.
    pub fn locale(&self) -> Locale {
        self.locale.unwrap_or(Locale::En)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_translated_and_placeholders_survive() {
        for key in Key::ALL {
            let en = key.text(Locale::En);
            for locale in [Locale::De, Locale::Fr, Locale::Es] {
                let text = key.text(locale);
                assert!(!text.is_empty(), "{key:?} {locale:?}");
                for placeholder in [
                    "{seconds}",
                    "{id}",
                    "{reason}",
                    "{format}",
                    "{width}",
                    "{product}",
                    "{n}",
                    "{count}",
                    "{parts}",
                    "{first}",
                    "{last}",
                    "{minutes}",
                ] {
                    assert_eq!(
                        en.contains(placeholder),
                        text.contains(placeholder),
                        "{key:?} {locale:?} {placeholder}"
                    );
                }
            }
        }
    }

    #[test]
    fn overrides_win_and_placeholders_fill() {
        let mut o = BTreeMap::new();
        o.insert("openButton".to_owned(), "Virtuell anprobieren".to_owned());
        let s = Strings::new(Locale::De, o);
        assert_eq!(s.get(Key::OpenButton), "Virtuell anprobieren");
        assert_eq!(s.get(Key::Close), "Schließen");
        assert_eq!(s.fill(Key::Estimate, &[("seconds", "7")]), "Noch etwa 7 s");
        assert_eq!(Locale::parse("fr-CA"), Some(Locale::Fr));
        assert_eq!(Locale::parse("pt"), None);
    }
}
