"""The SimPy model: leads flow through stages and steps, staff work on their calendars.

Everything random is drawn before the run (see ``docs/design.md``): the model only decides who
does what and when. It does no I/O and prints nothing; what happened is in the event log. This
module only wires the parts together: :mod:`draws` (randomness), :mod:`staffing` (people),
:mod:`incentives` (how pay changes behaviour), :mod:`work` (one step), :mod:`pipeline` (leads)
and :mod:`aftersale` (invoices and clients).
"""

from __future__ import annotations

import simpy

from salesim.simulator.engine.aftersale import AfterSale
from salesim.simulator.engine.cases import compile_route
from salesim.simulator.engine.draws import (
    Leads,
    draw_handoffs,
    draw_leads,
    draw_payment_days,
    draw_steps,
)
from salesim.simulator.engine.events import EventLog
from salesim.simulator.engine.incentives import Incentives
from salesim.simulator.engine.pipeline import Pipeline
from salesim.simulator.engine.rng import Streams
from salesim.simulator.engine.staffing import RolePool, Staffing
from salesim.simulator.engine.structure import organised
from salesim.simulator.engine.work import StepWork
from salesim.simulator.scenario.organise import Seat
from salesim.simulator.scenario.schema import Scenario

__all__ = ["Leads", "SalesModel"]


class SalesModel:
    """A SimPy environment holding one run of a scenario.

    Args:
        scenario: a validated scenario.
        seed: root seed (defaults to the scenario's).
        replication: replication number; 0 is the plain run.
        leads: the leads to simulate instead of drawing them from the channels (for exercises
            and tests that need a lead at an exact moment).
    """

    def __init__(self, scenario: Scenario, seed: int | None = None, replication: int = 0,
                 leads: Leads | None = None) -> None:
        scenario = organised(scenario)
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.streams = Streams(self.seed, replication)
        self.env = simpy.Environment()
        self.log = EventLog()
        self.leads = draw_leads(scenario, self.streams) if leads is None else leads
        n_leads = len(self.leads)
        draws = draw_steps(scenario, self.streams, n_leads)
        payment_days = draw_payment_days(scenario, self.streams, self.leads)
        staffing = Staffing(self.env, scenario, self.streams)
        route = compile_route(scenario, draws)
        handoffs = draw_handoffs(scenario, self.streams, n_leads)
        incentives = Incentives(self.env, scenario, staffing)
        work = StepWork(self.env, self.log, staffing, incentives)
        after_sale = AfterSale(self.env, self.log, scenario, self.streams, staffing, work, route,
                               n_leads)
        pipeline = Pipeline(self.env, self.log, scenario, self.leads, route, work, incentives,
                            after_sale, payment_days, handoffs)
        self.pools: dict[Seat, RolePool] = staffing.pools  # one per seat: a role, or its pod
        self.env.process(pipeline.arrivals())
        if scenario.clients is not None:
            after_sale.existing_clients(scenario.clients)

    def run(self) -> None:
        """Simulate up to the horizon."""
        self.env.run(until=self.scenario.horizon_days)
