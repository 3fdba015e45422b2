use auth_vendors::CrmCom;

fn main() {
    let _credentials = CrmCom::credentials().organisation("CRMDEMO").build();
}
