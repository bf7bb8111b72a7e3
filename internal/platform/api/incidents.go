package api

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform/incidents"
	"hulian/internal/platform/store"
)

// Incidents (X-P6, X-P14, C-13) are part of SupervisionService.

func (s *supervisionService) ReportIncident(ctx context.Context, req *connect.Request[hulianv1.ReportIncidentRequest]) (*connect.Response[hulianv1.ReportIncidentResponse], error) {
	m := req.Msg
	in, err := s.x.Incidents.Report(ctx, incidents.Report{Kind: m.Kind, Title: m.Title, Description: m.Description, Grade: m.Grade,
		Affected: m.Affected, AffectsExchange: m.AffectsExchange, Orders: m.OrderIds, Found: optionalTime(m.FoundAt)})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.ReportIncidentResponse{Incident: incidentToProto(in, s.x.DB.Now())}), nil
}

func (s *supervisionService) RecordIncidentStep(ctx context.Context, req *connect.Request[hulianv1.RecordIncidentStepRequest]) (*connect.Response[hulianv1.RecordIncidentStepResponse], error) {
	m := req.Msg
	if err := checkID("id", "inc_", m.Id); err != nil {
		return nil, err
	}
	in, err := s.x.Incidents.Record(ctx, m.Id, incidents.Step{Kind: m.Step, AuthorityName: m.AuthorityName, AuthorityRef: m.AuthorityRef,
		At: optionalTime(m.At), Count: m.Count, Method: m.Method, Text: m.Text, AmountFen: m.AmountFen})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.RecordIncidentStepResponse{Incident: incidentToProto(in, s.x.DB.Now())}), nil
}

func (s *supervisionService) ListIncidents(ctx context.Context, req *connect.Request[hulianv1.ListIncidentsRequest]) (*connect.Response[hulianv1.ListIncidentsResponse], error) {
	if m := req.Msg.MemberId; m != "" {
		if err := checkID("member_id", "mem_", m); err != nil {
			return nil, err
		}
	}
	ins, err := s.x.Incidents.List(ctx, req.Msg.MemberId)
	if err != nil {
		return nil, err
	}
	now := s.x.DB.Now()
	res := &hulianv1.ListIncidentsResponse{Incidents: make([]*hulianv1.Incident, 0, len(ins))}
	for _, in := range ins {
		res.Incidents = append(res.Incidents, incidentToProto(in, now))
	}
	return connect.NewResponse(res), nil
}

func optionalTime(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

func incidentToProto(in *store.Incident, now time.Time) *hulianv1.Incident {
	return &hulianv1.Incident{Id: in.ID, MemberId: in.Member, Kind: in.Kind, Title: in.Title, Description: in.Description, Grade: in.Grade,
		Affected: in.Affected, AffectsExchange: in.AffectsExchange, OrderIds: in.Orders, FoundAt: timestamp(in.Found), ReportedAt: timestamp(in.Reported),
		AuthorityDue: timestamp(in.AuthorityDue), AuthorityName: in.AuthorityName, AuthorityRef: in.AuthorityRef, AuthorityReportedAt: timestamp(in.AuthorityAt),
		NotifiedCount: in.NotifiedCount, NoticeMethod: in.NoticeMethod, NotifiedAt: timestamp(in.NotifiedAt), Remediation: in.Remediation,
		RemediatedAt: timestamp(in.RemediatedAt), ClosingNote: in.ClosingNote, ClosedAt: timestamp(in.Closed), AuthorityOverdue: incidents.Overdue(in, now),
		CompensatedCount: in.CompensatedCount, CompensationFen: in.CompensationFen, CompensationNote: in.CompensationNote, CompensatedAt: timestamp(in.CompensatedAt)}
}
