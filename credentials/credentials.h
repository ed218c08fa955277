#pragma once
// Umbrella header for kiosk::credentials.
#include "credentials/base45.h"
#include "credentials/cbor.h"
#include "credentials/cose.h"
#include "credentials/crossing_qr.h"
#include "credentials/cwt.h"
#include "credentials/health.h"
#include "credentials/keys.h"
#include "credentials/mrz.h"
#include "credentials/replay_cache.h"
#include "credentials/sample_tokens.h"
#include "credentials/trust_list.h"
#include "credentials/zlib_codec.h"
