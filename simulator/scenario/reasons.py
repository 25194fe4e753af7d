"""The loss reasons the engine gives itself (a scenario's steps name their own)."""

from __future__ import annotations

COOLED = "cooled"  # the loss reason of a lead that went cold while it queued
OWNER_LEFT = "owner_left"  # a lead whose owner left, when the CRM kept no history
HANDOFF = "handoff"  # a lead dropped when it passed from one role to the next (conveyor)
CHURNED = "churned"  # a client who stopped ordering (the client base)
NOT_CONVERTED = "not_converted"  # the reason of a step that names none
RESERVED_REASONS = (COOLED, OWNER_LEFT, HANDOFF)
BUILT_IN_REASONS = (COOLED, OWNER_LEFT, HANDOFF, CHURNED, NOT_CONVERTED)
