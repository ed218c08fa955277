#pragma once
// Umbrella header of kiosk::policies.
#include "policies/civil_date.h"
#include "policies/policy_config.h"
#include "policies/reasons.h"
#include "policies/rules.h"
#include "policies/types.h"
