#include "policies/reasons.h"

#include <array>

namespace kiosk::policies {

namespace {

// The generic "see an officer" screen. The watchlist uses exactly this text (quiet
// refusal), as do the other refusals whose detail must not be shown to the traveller.
#define KIOSK_SEE_OFFICER_ZH "未能處理您的申請，請向職員查詢。"
#define KIOSK_SEE_OFFICER_EN "We cannot process your crossing here. Please see an officer."
#define KIOSK_SEE_OFFICER_PT "Não é possível processar a sua passagem aqui. Dirija-se a um agente."

#define KIOSK_OUT_OF_SERVICE_ZH "此通道暫停服務，請使用其他通道。"
#define KIOSK_OUT_OF_SERVICE_EN "This lane is out of service. Please use another lane."
#define KIOSK_OUT_OF_SERVICE_PT "Este canal está fora de serviço. Utilize outro canal, por favor."

#define KIOSK_NOT_VERIFIED_ZH "未能核實您的身份，請向職員查詢。"
#define KIOSK_NOT_VERIFIED_EN "We could not verify your identity. Please see an officer."
#define KIOSK_NOT_VERIFIED_PT "Não foi possível verificar a sua identidade. Dirija-se a um agente."

#define KIOSK_QR_INVALID_ZH "此二維碼無效，請重新產生。"
#define KIOSK_QR_INVALID_EN "This QR code is not valid. Please generate a new one."
#define KIOSK_QR_INVALID_PT "Este código QR não é válido. Gere um novo código."

#define KIOSK_UPDATE_APP_ZH "此二維碼無法核實，請更新應用程式後重新產生。"
#define KIOSK_UPDATE_APP_EN "This QR code cannot be verified. Please update the app and generate a new one."
#define KIOSK_UPDATE_APP_PT "Não é possível verificar este código QR. Atualize a aplicação e gere um novo código."

constexpr ReasonText kGeneric{"see_officer", ReasonKind::Refusal, KIOSK_SEE_OFFICER_ZH, KIOSK_SEE_OFFICER_EN,
                              KIOSK_SEE_OFFICER_PT, "Refused: see the specific reason on the officer console."};

constexpr std::array kReasons{
    // ---- credentials ----
    ReasonText{"qr.malformed", ReasonKind::Refusal, KIOSK_QR_INVALID_ZH, KIOSK_QR_INVALID_EN, KIOSK_QR_INVALID_PT,
               "QR structure broken (Base45/zlib/CBOR/COSE)."},
    ReasonText{"qr.unknown_prefix", ReasonKind::Refusal, "此二維碼不適用於本通道。",
               "This QR code cannot be used at this lane.", "Este código QR não pode ser utilizado neste canal.",
               "QR prefix is not HKMO1: (not a crossing QR)."},
    ReasonText{"qr.too_large", ReasonKind::Refusal, KIOSK_QR_INVALID_ZH, KIOSK_QR_INVALID_EN, KIOSK_QR_INVALID_PT,
               "QR payload exceeds the size limit (compressed or decompressed)."},
    ReasonText{"qr.unsupported_alg", ReasonKind::Refusal, KIOSK_UPDATE_APP_ZH, KIOSK_UPDATE_APP_EN,
               KIOSK_UPDATE_APP_PT, "COSE algorithm not accepted (only ES256 and EdDSA)."},
    ReasonText{"qr.critical_header", ReasonKind::Refusal, KIOSK_UPDATE_APP_ZH, KIOSK_UPDATE_APP_EN,
               KIOSK_UPDATE_APP_PT, "COSE critical header parameter not understood."},
    ReasonText{"qr.bad_signature", ReasonKind::Refusal, KIOSK_SEE_OFFICER_ZH, KIOSK_SEE_OFFICER_EN,
               KIOSK_SEE_OFFICER_PT, "QR signature does not verify: possible forgery or tampering."},
    ReasonText{"qr.unknown_issuer", ReasonKind::Refusal, KIOSK_UPDATE_APP_ZH, KIOSK_UPDATE_APP_EN,
               KIOSK_UPDATE_APP_PT, "QR key id (kid) is not in the trust list."},
    ReasonText{"qr.key_not_valid", ReasonKind::Refusal, KIOSK_UPDATE_APP_ZH, KIOSK_UPDATE_APP_EN,
               KIOSK_UPDATE_APP_PT, "Issuer key used outside its validity window."},
    ReasonText{"qr.expired", ReasonKind::Refusal, "此二維碼已過期，請重新產生。",
               "This QR code has expired. Please generate a new one.", "Este código QR expirou. Gere um novo código.",
               "QR expired (exp in the past): screenshot or offline code?"},
    ReasonText{"qr.not_yet_valid", ReasonKind::Refusal, "此二維碼尚未生效，請檢查手機時間後重新產生。",
               "This QR code is not valid yet. Check your phone's time and generate a new one.",
               "Este código QR ainda não é válido. Verifique a hora do telemóvel e gere um novo código.",
               "QR issued in the future (iat/nbf after now): phone clock wrong?"},
    ReasonText{"qr.replayed", ReasonKind::Refusal, "此二維碼已使用，請重新產生。",
               "This QR code has already been used. Please generate a new one.",
               "Este código QR já foi utilizado. Gere um novo código.",
               "Token id (cti) seen before: replayed QR."},
    ReasonText{"qr.duplicate_scan", ReasonKind::Refusal, "此二維碼剛剛已被掃描，請重新產生。",
               "This QR code was just scanned. Please generate a new one.",
               "Este código QR acabou de ser lido. Gere um novo código.",
               "Same QR text scanned again within 5 minutes on this device."},
    ReasonText{"trust.stale", ReasonKind::Refusal, KIOSK_OUT_OF_SERVICE_ZH, KIOSK_OUT_OF_SERVICE_EN,
               KIOSK_OUT_OF_SERVICE_PT, "Trust list older than its 30-day offline validity: refresh it."},
    ReasonText{"trust.stale_warning", ReasonKind::Warning, "請繼續。", "Please continue.", "Por favor, continue.",
               "Trust list will expire soon (day 23..30 offline): refresh it."},
    ReasonText{"trust.missing", ReasonKind::Refusal, KIOSK_OUT_OF_SERVICE_ZH, KIOSK_OUT_OF_SERVICE_EN,
               KIOSK_OUT_OF_SERVICE_PT,
               "No valid trust list (trust.file missing or unreadable, none from the clearance service yet): the lane "
               "stays out of service until one arrives."},
    ReasonText{"trust.clock_rollback", ReasonKind::Refusal, KIOSK_OUT_OF_SERVICE_ZH, KIOSK_OUT_OF_SERVICE_EN,
               KIOSK_OUT_OF_SERVICE_PT, "Device clock is earlier than the trust list's last known time: clock rolled back."},
    ReasonText{"trust.bad_signature", ReasonKind::Refusal, KIOSK_OUT_OF_SERVICE_ZH, KIOSK_OUT_OF_SERVICE_EN,
               KIOSK_OUT_OF_SERVICE_PT, "Trust list signature does not verify."},
    ReasonText{"mrz.invalid", ReasonKind::Refusal, "未能讀取您的證件，請重新插入。",
               "Your document could not be read. Please insert it again.",
               "Não foi possível ler o seu documento. Insira-o novamente.",
               "MRZ unreadable or check digit wrong."},
    ReasonText{"hc.malformed", ReasonKind::Refusal, "未能讀取您的健康證明。", "Your health certificate could not be read.",
               "Não foi possível ler o seu certificado de saúde.", "HC1 structure broken."},
    ReasonText{"hc.bad_signature", ReasonKind::Refusal, KIOSK_SEE_OFFICER_ZH, KIOSK_SEE_OFFICER_EN,
               KIOSK_SEE_OFFICER_PT, "HC1 signature does not verify: possible forgery."},
    ReasonText{"hc.expired", ReasonKind::Refusal, "您的健康證明已過期。", "Your health certificate has expired.",
               "O seu certificado de saúde expirou.", "HC1 certificate expired."},
    // The signer's problems are not the traveller's to fix: the generic "see an officer".
    ReasonText{"hc.untrusted_signer", ReasonKind::Refusal, KIOSK_SEE_OFFICER_ZH, KIOSK_SEE_OFFICER_EN,
               KIOSK_SEE_OFFICER_PT, "HC1 signer certificate not configured or not chained to a trusted signing CA."},
    ReasonText{"hc.signer_not_valid", ReasonKind::Refusal, KIOSK_SEE_OFFICER_ZH, KIOSK_SEE_OFFICER_EN,
               KIOSK_SEE_OFFICER_PT, "HC1 signer certificate outside its validity period."},
    ReasonText{"hc.key_usage", ReasonKind::Refusal, KIOSK_SEE_OFFICER_ZH, KIOSK_SEE_OFFICER_EN,
               KIOSK_SEE_OFFICER_PT, "HC1 signer certificate may not sign this kind of certificate."},
    ReasonText{"hc.bad_certificate", ReasonKind::Refusal, KIOSK_SEE_OFFICER_ZH, KIOSK_SEE_OFFICER_EN,
               KIOSK_SEE_OFFICER_PT, "HC1 signer certificate unreadable."},
    // ---- eligibility ----
    ReasonText{"elig.not_enrolled", ReasonKind::Refusal, "您尚未登記使用此通道，請使用人工櫃檯。",
               "You are not enrolled for this lane. Please use a staffed counter.",
               "Não tem inscrição para este canal. Utilize um balcão com atendimento.",
               "No enrolment found for this credential."},
    ReasonText{"elig.not_permanent_resident", ReasonKind::Refusal, "此通道只供永久性居民使用，請使用人工櫃檯。",
               "This lane is for permanent residents only. Please use a staffed counter.",
               "Este canal destina-se apenas a residentes permanentes. Utilize um balcão com atendimento.",
               "Not a permanent resident of Hong Kong or Macau."},
    ReasonText{"elig.enrolment_inactive", ReasonKind::Refusal, "您的登記已失效，請向職員查詢。",
               "Your enrolment is no longer active. Please see an officer.",
               "A sua inscrição já não está activa. Dirija-se a um agente.",
               "Enrolment is inactive (replaced or revoked)."},
    ReasonText{"elig.under_minimum_age", ReasonKind::Refusal, "您未達使用此通道的最低年齡，請使用人工櫃檯。",
               "You are below the minimum age for this lane. Please use a staffed counter.",
               "Não tem a idade mínima para este canal. Utilize um balcão com atendimento.",
               "Below the minimum age in force on the crossing date."},
    ReasonText{"elig.registration_delay", ReasonKind::Refusal, "您的登記尚未生效，請稍後再試或使用人工櫃檯。",
               "Your enrolment is not in effect yet. Please try later or use a staffed counter.",
               "A sua inscrição ainda não está em vigor. Tente mais tarde ou utilize um balcão com atendimento.",
               "Enrolled too recently: the channel's registration delay has not passed."},
    ReasonText{"elig.document_expired", ReasonKind::Refusal, "您的身份證明文件已過期，請向職員查詢。",
               "Your identity document has expired. Please see an officer.",
               "O seu documento de identificação expirou. Dirija-se a um agente.",
               "Identity document expired (expiry date before the crossing date)."},
    ReasonText{"elig.watchlist", ReasonKind::Refusal, KIOSK_SEE_OFFICER_ZH, KIOSK_SEE_OFFICER_EN,
               KIOSK_SEE_OFFICER_PT, "WATCHLIST HIT: quiet refusal, traveller shown the generic text. Follow the watchlist procedure."},
    // ---- health ----
    ReasonText{"health.missing", ReasonKind::Refusal, "請出示您的健康碼。", "Please show your health code.",
               "Apresente o seu código de saúde.", "Health rules in force and no health code or certificate presented."},
    ReasonText{"health.red", ReasonKind::Refusal, "您的健康碼為紅碼，不能使用此通道，請向職員查詢。",
               "Your health code is red. You cannot use this lane. Please see an officer.",
               "O seu código de saúde é vermelho. Não pode utilizar este canal. Dirija-se a um agente.",
               "Health code RED (confirmed/probable case, close contact, quarantine or symptoms)."},
    ReasonText{"health.amber", ReasonKind::Refusal, "您的健康碼為黃碼，不能使用此通道，請向職員查詢。",
               "Your health code is amber. You cannot use this lane. Please see an officer.",
               "O seu código de saúde é amarelo. Não pode utilizar este canal. Dirija-se a um agente.",
               "Health code AMBER (high-risk area or arrival from abroad within 21 days)."},
    ReasonText{"health.code_expired", ReasonKind::Refusal, "您的健康碼已過期，請重新申報。",
               "Your health code has expired. Please declare again.",
               "O seu código de saúde expirou. Faça uma nova declaração.",
               "Health code not valid now: valid only until 23:59:59 local of its issue day."},
    ReasonText{"health.code_too_old", ReasonKind::Refusal, "您的健康碼產生時間過久，請重新產生。",
               "Your health code was generated too long ago. Please generate a new one.",
               "O seu código de saúde foi gerado há demasiado tempo. Gere um novo código.",
               "Health code older than the maximum code age in force (Macau: 6 hours)."},
    ReasonText{"health.certificate_invalid", ReasonKind::Refusal, "您的健康證明不獲接納，請向職員查詢。",
               "Your health certificate is not accepted. Please see an officer.",
               "O seu certificado de saúde não é aceite. Dirija-se a um agente.",
               "HC1 certificate not accepted (not configured, unverified, or outside its validity)."},
    // ---- registration ----
    ReasonText{"reg.under_18", ReasonKind::Refusal, "未滿18歲人士須前往登記辦事處辦理登記。",
               "Applicants under 18 must enrol at an enrolment office.",
               "Os requerentes com menos de 18 anos devem inscrever-se num posto de inscrição.",
               "Applicant under the self-service registration age (18): refer to an enrolment office."},
    ReasonText{"reg.not_permanent_resident", ReasonKind::Refusal, "只有永久性居民可以登記。",
               "Only permanent residents can enrol.", "Só os residentes permanentes se podem inscrever.",
               "Applicant is not a permanent resident of Hong Kong or Macau."},
    ReasonText{"reg.document_expired", ReasonKind::Refusal, "您的身份證已過期，不能用作登記。",
               "Your identity card has expired and cannot be used to enrol.",
               "O seu bilhete de identidade expirou e não pode ser utilizado para a inscrição.",
               "Identity card expired on the registration date."},
    ReasonText{"reg.replaces_enrolment", ReasonKind::Info, "新登記將取代您現有的登記。",
               "This enrolment will replace your current one.", "Esta inscrição substituirá a sua inscrição atual.",
               "Active enrolment for the same document exists: it will be replaced (audit trail)."},
    // ---- lane, biometrics, devices ----
    ReasonText{"lane.tailgating", ReasonKind::Refusal, "請每次一人進入通道。", "One person at a time, please.",
               "Uma pessoa de cada vez, por favor.", "More than one person sensed in the lane."},
    ReasonText{"lane.no_entry", ReasonKind::Refusal, "您未有在限時內進入通道，請重新開始。",
               "You did not enter the lane in time. Please start again.",
               "Não entrou no canal a tempo. Recomece, por favor.", "Door 1 opened but nobody entered in time."},
    ReasonText{"lane.timeout", ReasonKind::Refusal, "操作逾時，請重新開始。", "Time is up. Please start again.",
               "O tempo esgotou-se. Recomece, por favor.", "Step timed out."},
    ReasonText{"lane.out_of_service", ReasonKind::Refusal, KIOSK_OUT_OF_SERVICE_ZH, KIOSK_OUT_OF_SERVICE_EN,
               KIOSK_OUT_OF_SERVICE_PT, "Lane out of service."},
    ReasonText{"lane.fire_alarm", ReasonKind::Refusal, "緊急情況，請立即離開通道。", "Emergency. Please leave the lane now.",
               "Emergência. Saia do canal imediatamente.", "Fire alarm: doors released for evacuation."},
    ReasonText{"face.no_match", ReasonKind::Refusal, KIOSK_NOT_VERIFIED_ZH, KIOSK_NOT_VERIFIED_EN,
               KIOSK_NOT_VERIFIED_PT, "Face does not match the enrolled face (after 3 tries)."},
    ReasonText{"face.liveness_failed", ReasonKind::Refusal, KIOSK_NOT_VERIFIED_ZH, KIOSK_NOT_VERIFIED_EN,
               KIOSK_NOT_VERIFIED_PT, "Liveness check failed: possible presentation attack (photo, screen, mask)."},
    ReasonText{"face.no_face", ReasonKind::Refusal, "請望向鏡頭。", "Please look at the camera.",
               "Olhe para a câmara, por favor.", "No face found in the camera image."},
    ReasonText{"finger.no_match", ReasonKind::Refusal, KIOSK_NOT_VERIFIED_ZH, KIOSK_NOT_VERIFIED_EN,
               KIOSK_NOT_VERIFIED_PT, "Fingerprint does not match the enrolled prints (after 3 tries)."},
    ReasonText{"finger.quality", ReasonKind::Refusal, "請將手指平放在掃描器上。",
               "Please place your finger flat on the reader.", "Coloque o dedo bem assente no leitor.",
               "Fingerprint image quality too low (too few minutiae)."},
    ReasonText{"device.fault", ReasonKind::Refusal, KIOSK_OUT_OF_SERVICE_ZH, KIOSK_OUT_OF_SERVICE_EN,
               KIOSK_OUT_OF_SERVICE_PT, "Device fault: see the device status."},
    // ---- sync with the clearance service ----
    ReasonText{"sync.enrolments_stale", ReasonKind::Refusal, KIOSK_OUT_OF_SERVICE_ZH, KIOSK_OUT_OF_SERVICE_EN,
               KIOSK_OUT_OF_SERVICE_PT,
               "Enrolment data too old (no sync with the clearance service): the lane stays out of service until "
               "it is up to date again."},
};

}  // namespace

std::string_view ReasonText::traveller(Language l) const {
    switch (l) {
        case Language::ZhHant: return zhHant;
        case Language::En: return en;
        case Language::Pt: return pt;
    }
    return en;
}

const ReasonText* reasonText(std::string_view code) {
    for (const auto& r : kReasons)
        if (r.code == code) return &r;
    return nullptr;
}

std::span<const ReasonText> allReasons() { return kReasons; }

const ReasonText& genericRefusal() { return kGeneric; }

std::string_view travellerText(std::string_view code, Language l) {
    const ReasonText* r = reasonText(code);
    return (r ? *r : kGeneric).traveller(l);
}

}  // namespace kiosk::policies
