package api

import (
	"context"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform/complaints"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/sanctions"
	"hulian/internal/platform/store"
)

// supervisionService implements hulian.v1.SupervisionService over the
// halts and sanctions rooms and the members' notices.
type supervisionService struct{ x *exchange.Exchange }

func (s *supervisionService) StartHalt(ctx context.Context, req *connect.Request[hulianv1.StartHaltRequest]) (*connect.Response[hulianv1.StartHaltResponse], error) {
	m := req.Msg
	h, err := s.x.Halts.Start(ctx, m.Scope, m.Target, m.Cause, m.Notice)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.StartHaltResponse{Halt: haltToProto(h)}), nil
}

func (s *supervisionService) LiftHalt(ctx context.Context, req *connect.Request[hulianv1.LiftHaltRequest]) (*connect.Response[hulianv1.LiftHaltResponse], error) {
	if err := checkID("id", "hlt_", req.Msg.Id); err != nil {
		return nil, err
	}
	h, err := s.x.Halts.Lift(ctx, req.Msg.Id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.LiftHaltResponse{Halt: haltToProto(h)}), nil
}

func (s *supervisionService) ImposeSanction(ctx context.Context, req *connect.Request[hulianv1.ImposeSanctionRequest]) (*connect.Response[hulianv1.ImposeSanctionResponse], error) {
	m := req.Msg
	if err := checkID("member_id", "mem_", m.MemberId); err != nil {
		return nil, err
	}
	sn, err := s.x.Sanctions.Impose(ctx, sanctions.Measure{Member: m.MemberId, Kind: m.Kind, Public: m.Public, Basis: m.Basis, Reason: m.Reason,
		AuthorityRef: m.AuthorityRef, CorrectBy: m.CorrectBy})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.ImposeSanctionResponse{Sanction: sanctionToProto(sn)}), nil
}

func (s *supervisionService) LiftSanction(ctx context.Context, req *connect.Request[hulianv1.LiftSanctionRequest]) (*connect.Response[hulianv1.LiftSanctionResponse], error) {
	if err := checkID("id", "snc_", req.Msg.Id); err != nil {
		return nil, err
	}
	sn, err := s.x.Sanctions.Lift(ctx, req.Msg.Id, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.LiftSanctionResponse{Sanction: sanctionToProto(sn)}), nil
}

func (s *supervisionService) ListSanctions(ctx context.Context, req *connect.Request[hulianv1.ListSanctionsRequest]) (*connect.Response[hulianv1.ListSanctionsResponse], error) {
	if m := req.Msg.MemberId; m != "" {
		if err := checkID("member_id", "mem_", m); err != nil {
			return nil, err
		}
	}
	ss, err := s.x.Sanctions.List(ctx, req.Msg.MemberId)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListSanctionsResponse{Sanctions: make([]*hulianv1.Sanction, 0, len(ss))}
	for _, sn := range ss {
		res.Sanctions = append(res.Sanctions, sanctionToProto(sn))
	}
	return connect.NewResponse(res), nil
}

func (s *supervisionService) ListNotices(ctx context.Context, req *connect.Request[hulianv1.ListNoticesRequest]) (*connect.Response[hulianv1.ListNoticesResponse], error) {
	if m := req.Msg.MemberId; m != "" {
		if err := checkID("member_id", "mem_", m); err != nil {
			return nil, err
		}
	}
	ns, err := s.x.Notices(ctx, req.Msg.MemberId)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListNoticesResponse{Notices: make([]*hulianv1.Notice, 0, len(ns))}
	for _, n := range ns {
		res.Notices = append(res.Notices, &hulianv1.Notice{Id: n.ID, Kind: n.Kind, Object: n.Object, TitleZh: n.TitleZH, TitleEn: n.TitleEN, Body: n.Body,
			CreatedAt: timestamp(n.Created), ReadAt: timestamp(n.Read)})
	}
	return connect.NewResponse(res), nil
}

func (s *supervisionService) GetAnnouncements(ctx context.Context, req *connect.Request[hulianv1.GetAnnouncementsRequest]) (*connect.Response[hulianv1.GetAnnouncementsResponse], error) {
	hs, err := s.x.Halts.List(ctx, false)
	if err != nil {
		return nil, err
	}
	ws, err := s.x.Sanctions.Published(ctx)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.GetAnnouncementsResponse{}
	for _, h := range hs {
		res.Halts = append(res.Halts, haltToProto(h))
	}
	for _, w := range ws {
		res.Warnings = append(res.Warnings, sanctionToProto(w))
	}
	return connect.NewResponse(res), nil
}

func haltToProto(h *store.Halt) *hulianv1.Halt {
	return &hulianv1.Halt{Id: h.ID, Scope: h.Scope, Target: h.Target, Cause: h.Cause, Notice: h.Notice, StartedAt: timestamp(h.Started), LiftedAt: timestamp(h.Lifted)}
}

func sanctionToProto(s *store.Sanction) *hulianv1.Sanction {
	return &hulianv1.Sanction{Id: s.ID, MemberId: s.Member, Kind: s.Kind, Public: s.Public, Basis: s.Basis, Reason: s.Reason,
		AuthorityRef: s.AuthorityRef, CorrectBy: s.CorrectBy, ImposedAt: timestamp(s.Imposed), LiftedAt: timestamp(s.Lifted)}
}

func evidenceFiles(in []*hulianv1.EvidenceFile) []complaints.File {
	out := make([]complaints.File, 0, len(in))
	for _, f := range in {
		out = append(out, complaints.File{Name: f.Name, Data: f.Data})
	}
	return out
}

func (s *supervisionService) FileComplaint(ctx context.Context, req *connect.Request[hulianv1.FileComplaintRequest]) (*connect.Response[hulianv1.FileComplaintResponse], error) {
	m := req.Msg
	rc, err := s.x.Complaints.File(ctx, complaints.Filing{Kind: m.Kind, Complainant: m.Complainant, Contact: m.Contact, Concerns: m.Concerns,
		Description: m.Description, Files: evidenceFiles(m.Evidence)})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.FileComplaintResponse{Id: rc.ID, Code: rc.Code}), nil
}

func (s *supervisionService) GetComplaintStatus(ctx context.Context, req *connect.Request[hulianv1.GetComplaintStatusRequest]) (*connect.Response[hulianv1.GetComplaintStatusResponse], error) {
	if err := checkID("id", "cpl_", req.Msg.Id); err != nil {
		return nil, err
	}
	cp, err := s.x.Complaints.Status(ctx, req.Msg.Id, req.Msg.Code)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.GetComplaintStatusResponse{Complaint: complaintToProto(cp)}), nil
}

func (s *supervisionService) ListComplaints(ctx context.Context, req *connect.Request[hulianv1.ListComplaintsRequest]) (*connect.Response[hulianv1.ListComplaintsResponse], error) {
	cs, err := s.x.Complaints.List(ctx, "")
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListComplaintsResponse{Complaints: make([]*hulianv1.Complaint, 0, len(cs))}
	for _, cp := range cs {
		res.Complaints = append(res.Complaints, complaintToProto(cp))
	}
	return connect.NewResponse(res), nil
}

func (s *supervisionService) DecideComplaint(ctx context.Context, req *connect.Request[hulianv1.DecideComplaintRequest]) (*connect.Response[hulianv1.DecideComplaintResponse], error) {
	m := req.Msg
	if err := checkID("id", "cpl_", m.Id); err != nil {
		return nil, err
	}
	var cp *store.Complaint
	var err error
	switch m.Step {
	case "accept":
		cp, err = s.x.Complaints.Accept(ctx, m.Id, m.OrderId, m.Note)
	case "decline":
		cp, err = s.x.Complaints.Reject(ctx, m.Id, m.Note)
	case "restore":
		cp, err = s.x.Complaints.Restore(ctx, m.Id, m.Note)
	case "uphold":
		cp, err = s.x.Complaints.Uphold(ctx, m.Id, m.Note)
	default:
		return nil, errs.Invalidf("step", "步骤须为 accept、decline、restore 或 uphold", "the step must be accept, decline, restore or uphold")
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.DecideComplaintResponse{Complaint: complaintToProto(cp)}), nil
}

func (s *supervisionService) AnswerComplaint(ctx context.Context, req *connect.Request[hulianv1.AnswerComplaintRequest]) (*connect.Response[hulianv1.AnswerComplaintResponse], error) {
	if err := checkID("id", "cpl_", req.Msg.Id); err != nil {
		return nil, err
	}
	cp, err := s.x.Complaints.Answer(ctx, req.Msg.Id, req.Msg.Answer, evidenceFiles(req.Msg.Evidence))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.AnswerComplaintResponse{Complaint: complaintToProto(cp)}), nil
}

// complaintToProto is a complaint without the complainant's identity,
// which stays with the operator's console.
func complaintToProto(c *store.Complaint) *hulianv1.Complaint {
	return &hulianv1.Complaint{Id: c.ID, Kind: c.Kind, Status: c.Status, Description: c.Description, OrderId: c.Order, ListingId: c.Listing, OperatorNote: c.OperatorNote,
		Answer: c.Answer, FiledAt: timestamp(c.Filed), AcceptedAt: timestamp(c.Accepted), ResolvedAt: timestamp(c.Resolved)}
}
